/** Core {@link InferenceResult} → Anthropic `message`. Pure except for the default ids. */
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicToolUseBlock,
  AnthropicUsage,
} from '../../api/index.js';
import type { GenerateResult, InferenceResult } from '../../core/index.js';
import { randomId } from '../openai/translate-shared.js';

type Outcome = Pick<GenerateResult, 'toolCalls' | 'doneReason' | 'stopSequence'>;

/**
 * Anthropic's stop reason: `tool_use` when the model called tools, `max_tokens` at the limit, `stop_sequence`
 * when one of the request's `stop_sequences` ended it, otherwise `end_turn` (a cancelled generation also ended
 * for the client, which has no reason for it).
 */
export function toStopReason(result: Outcome): AnthropicStopReason {
  if (result.toolCalls.length > 0) return 'tool_use';
  if (result.doneReason === 'length') return 'max_tokens';
  return result.stopSequence === undefined ? 'end_turn' : 'stop_sequence';
}

/** `stop_sequence`: the matched sequence when the stop reason is `stop_sequence`, else null. */
export function toStopSequence(result: Outcome): string | null {
  return toStopReason(result) === 'stop_sequence' ? (result.stopSequence ?? null) : null;
}

/** Token usage; `input_tokens` counts the whole prompt, prefix-cache hits included. */
export function toAnthropicUsage(
  result: Pick<GenerateResult, 'promptTokens' | 'promptCachedTokens' | 'evalTokens'>,
): AnthropicUsage {
  return {
    input_tokens: result.promptTokens + (result.promptCachedTokens ?? 0),
    output_tokens: result.evalTokens,
  };
}

/** Tool calls as `tool_use` blocks with fresh `toolu_…` ids. */
export function toToolUseBlocks(
  result: Pick<GenerateResult, 'toolCalls'>,
  newToolId: () => string = () => randomId('toolu_'),
): AnthropicToolUseBlock[] {
  return result.toolCalls.map((call) => ({
    type: 'tool_use',
    id: newToolId(),
    name: call.name,
    input: call.arguments,
  }));
}

/** The `message` body of a finished generation: its text (when any), then its tool calls. */
export function toMessage(result: InferenceResult, id: string, newToolId?: () => string): AnthropicMessage {
  const content: AnthropicContentBlock[] = [];
  if (result.text !== '') content.push({ type: 'text', text: result.text });
  content.push(...toToolUseBlocks(result, newToolId));
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: result.model,
    content,
    stop_reason: toStopReason(result),
    stop_sequence: toStopSequence(result),
    usage: toAnthropicUsage(result),
  };
}
