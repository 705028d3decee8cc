/**
 * The `chat.completion.chunk` events of a streamed chat completion, in OpenAI's order: a first chunk with
 * `role: 'assistant'`, content deltas, a tool-calls delta when the model called tools, a chunk with an empty delta
 * and the finish reason, and with `include_usage` a last chunk with the usage and no choices. The route writes
 * `data: [DONE]` after them.
 */
import type {
  OpenAIChatCompletionChunk,
  OpenAIChatDelta,
  OpenAIFinishReason,
  OpenAIUsage,
} from '../../api/index.js';
import type { GenerateResult } from '../../core/index.js';
import { toChoiceLogprobs, toToolCalls } from './translate-chat.js';
import { SYSTEM_FINGERPRINT, toFinishReason, toUsage, type ChunkContext } from './translate-shared.js';

/** What one chunk carries. */
export type ChatChunkPart =
  | { kind: 'start' }
  | { kind: 'content'; text: string }
  | { kind: 'tool_calls'; toolCalls: NonNullable<OpenAIChatDelta['tool_calls']> }
  | { kind: 'finish'; reason: OpenAIFinishReason }
  | { kind: 'usage'; usage: OpenAIUsage };

/** One chunk of the stream described by `ctx`. */
export function chatChunk(ctx: ChunkContext, part: ChatChunkPart): OpenAIChatCompletionChunk {
  const chunk: OpenAIChatCompletionChunk = {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [],
  };
  if (part.kind === 'usage') {
    chunk.usage = part.usage;
    return chunk;
  }
  const choice: OpenAIChatCompletionChunk['choices'][number] = {
    index: 0,
    delta: {},
    logprobs: null,
    finish_reason: null,
  };
  if (part.kind === 'start') choice.delta = { role: 'assistant', content: '' };
  else if (part.kind === 'content') choice.delta = { content: part.text };
  else if (part.kind === 'tool_calls') choice.delta = { tool_calls: part.toolCalls };
  else choice.finish_reason = part.reason;
  chunk.choices.push(choice);
  if (ctx.includeUsage) chunk.usage = null;
  return chunk;
}

/**
 * The chunks that close a stream once generation has finished: the tool calls (all in one delta, since the core
 * reports them whole), the finish reason, and the usage when `ctx.includeUsage`.
 */
export function chatFinalChunks(
  ctx: ChunkContext,
  result: Pick<GenerateResult, 'toolCalls' | 'doneReason' | 'promptTokens' | 'evalTokens' | 'logprobs'>,
  newCallId?: () => string,
): OpenAIChatCompletionChunk[] {
  const chunks: OpenAIChatCompletionChunk[] = [];
  if (result.toolCalls.length > 0) {
    const toolCalls = toToolCalls(result.toolCalls, newCallId).map((call, index) => ({ index, ...call }));
    chunks.push(chatChunk(ctx, { kind: 'tool_calls', toolCalls }));
  }
  const reason = toFinishReason(result.doneReason, result.toolCalls.length > 0);
  const finish = chatChunk(ctx, { kind: 'finish', reason });
  // Log probabilities are computed once generation ends, so they all travel in the finishing chunk.
  const logprobs = toChoiceLogprobs(result);
  if (logprobs !== null && finish.choices[0] !== undefined) finish.choices[0].logprobs = logprobs;
  chunks.push(finish);
  if (ctx.includeUsage) chunks.push(chatChunk(ctx, { kind: 'usage', usage: toUsage(result) }));
  return chunks;
}
