/**
 * `/v1/chat/completions` ⇄ core chat: the request becomes a {@link ChatInput}, the result a `chat.completion`.
 * Pure, in the shape of Ollama's `openai.FromChatRequest` / `ToChatCompletion`.
 */
import type {
  OpenAIChatCompletion,
  OpenAIChoiceLogprobs,
  OpenAIChatCompletionRequest,
  OpenAIResponseFormat,
  OpenAITool,
  OpenAIToolCall,
  OpenAIToolChoice,
} from '../../api/index.js';
import type {
  ChatInput,
  GenerateResult,
  InferenceResult,
  OutputFormat,
  ToolCall,
  ToolDefinition,
} from '../../core/index.js';
import { fromChatMessages } from './translate-messages.js';
import {
  SYSTEM_FINGERPRINT,
  invalidField,
  randomId,
  requireSingleChoice,
  toFinishReason,
  toKeepAliveMs,
  toRequestOptions,
  toUsage,
  unixSeconds,
} from './translate-shared.js';

/** A translated chat request and how to answer it. */
export interface ChatRequestPlan {
  input: ChatInput;
  stream: boolean;
  /** Send a final usage chunk (only when streaming). */
  includeUsage: boolean;
}

/**
 * Translate a validated chat request. Throws `INVALID_REQUEST` for what Corral does not serve (`n` ≠ 1,
 * non-text content parts, `top_logprobs` without `logprobs`), for tool-call arguments that are not a JSON object, and a bad `keep_alive`.
 */
export function fromChatCompletionRequest(body: OpenAIChatCompletionRequest): ChatRequestPlan {
  requireSingleChoice('n', body.n);
  if (body.top_logprobs != null && body.top_logprobs > 0 && body.logprobs !== true) {
    throw invalidField('top_logprobs', 'top_logprobs needs logprobs: true');
  }
  const input: ChatInput = {
    model: body.model,
    messages: fromChatMessages(body.messages),
    options: toRequestOptions(body, body.max_completion_tokens ?? body.max_tokens),
  };
  const choice = body.tool_choice ?? 'auto';
  const tools = fromTools(body.tools ?? [], choice);
  if (tools.length > 0) input.tools = tools;
  if (tools.length > 0 && choice !== 'auto' && choice !== 'none') input.toolChoice = 'required';
  const format = fromResponseFormat(body.response_format);
  if (format) input.format = format;
  const keepAliveMs = toKeepAliveMs(body.keep_alive);
  if (keepAliveMs !== undefined) input.keepAliveMs = keepAliveMs;
  if (body.logprobs === true) input.logprobs = { top: body.top_logprobs ?? 0 };
  const stream = body.stream ?? false;
  return { input, stream, includeUsage: stream && body.stream_options?.include_usage === true };
}

/**
 * Tools offered to the model. `none` offers none; a named function offers only that tool. With `required` or a
 * named function the core forces the answer to be a call (grammar-constrained).
 */
function fromTools(tools: OpenAITool[], choice: OpenAIToolChoice): ToolDefinition[] {
  if (choice === 'none') return [];
  if (choice !== 'auto' && tools.length === 0) throw invalidField('tool_choice', 'requires tools');
  const defs = tools.map(({ function: f }): ToolDefinition => {
    const def: ToolDefinition = { name: f.name };
    if (f.description !== undefined) def.description = f.description;
    if (f.parameters !== undefined) def.parameters = f.parameters;
    return def;
  });
  if (typeof choice === 'string') return defs;
  const chosen = defs.filter((d) => d.name === choice.function.name);
  if (chosen.length === 0)
    throw invalidField('tool_choice.function.name', `no tool named "${choice.function.name}"`);
  return chosen;
}

/** `json_object` → any JSON; `json_schema` → JSON matching the schema (any JSON when it carries none). */
function fromResponseFormat(format: OpenAIResponseFormat | null | undefined): OutputFormat | undefined {
  switch (format?.type) {
    case undefined:
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const schema = format.json_schema.schema;
      return schema ? { type: 'json_schema', schema } : { type: 'json' };
    }
  }
}

/** Core tool calls → OpenAI's, with fresh ids and JSON-encoded arguments. */
export function toToolCalls(
  calls: ToolCall[],
  newCallId: () => string = () => randomId('call_'),
): OpenAIToolCall[] {
  return calls.map((call) => ({
    id: newCallId(),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
}

/** The `chat.completion` body for a finished generation; `newCallId` makes tool-call ids (injectable for tests). */
export function toChatCompletion(
  result: InferenceResult,
  id: string,
  newCallId?: () => string,
): OpenAIChatCompletion {
  const toolCalls = toToolCalls(result.toolCalls, newCallId);
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: result.text === '' && toolCalls.length > 0 ? null : result.text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id,
    object: 'chat.completion',
    created: unixSeconds(result.createdAt),
    model: result.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message,
        logprobs: toChoiceLogprobs(result),
        finish_reason: toFinishReason(result.doneReason, toolCalls.length > 0),
      },
    ],
    usage: toUsage(result),
  };
}

/** Core token log probabilities as a chat choice's `logprobs` (null when not asked for). */
export function toChoiceLogprobs(result: Pick<GenerateResult, 'logprobs'>): OpenAIChoiceLogprobs | null {
  if (result.logprobs === undefined) return null;
  return {
    content: result.logprobs.map((l) => ({
      token: l.token,
      logprob: l.logprob,
      bytes: l.bytes,
      top_logprobs: l.top,
    })),
    refusal: null,
  };
}
