/**
 * Wire contract of the Anthropic-compatible endpoint `POST /v1/messages`, following Anthropic's Messages API
 * reference. Browser-safe.
 *
 * The request schema recognises image and document blocks so the translator (`src/http/anthropic/`) can refuse
 * them with a 400 naming the block; thinking blocks sent back in a conversation are accepted and dropped (Corral
 * never produces them). Unknown fields (`metadata`, `service_tier`, `cache_control`…) are dropped. Corral
 * extensions, as on `/v1/chat/completions`: `options` (any Ollama option; the Anthropic fields win over it) and
 * `keep_alive`.
 */
import { z } from 'zod';
import { keepAliveSchema, optionsSchema } from './ollama-inference.js';

const jsonObject = z.record(z.string(), z.unknown());

// ---- content blocks ---------------------------------------------------------------------------------------------

const textBlockSchema = z.object({ type: z.literal('text'), text: z.string() });

/** A block of a message's content. Only text, tool_use and tool_result are served. */
const contentBlockSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string().min(1), input: jsonObject }),
  z.object({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]).optional(),
    is_error: z.boolean().optional(),
  }),
  z.object({ type: z.literal('image') }).loose(),
  z.object({ type: z.literal('document') }).loose(),
  z.object({ type: z.literal('thinking') }).loose(),
  z.object({ type: z.literal('redacted_thinking') }).loose(),
]);
export type AnthropicContentBlockParam = z.infer<typeof contentBlockSchema>;

const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});
export type AnthropicMessageParam = z.infer<typeof messageSchema>;

// ---- tools ------------------------------------------------------------------------------------------------------

/** A client tool. Anthropic's server tools (web search, code execution…) carry other `type`s and are refused. */
const toolSchema = z.object({
  type: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: jsonObject.optional(),
});
export type AnthropicTool = z.infer<typeof toolSchema>;

/** `auto` lets the model choose, `any` forces some tool, `tool` forces the named one, `none` offers none. */
const toolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.object({ type: z.literal('none') }),
]);
export type AnthropicToolChoice = z.infer<typeof toolChoiceSchema>;

// ---- request ----------------------------------------------------------------------------------------------------

/** `POST /v1/messages`. `max_tokens` is required, as Anthropic requires it. */
export const anthropicMessagesRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  system: z.union([z.string(), z.array(textBlockSchema.loose())]).optional(),
  max_tokens: z.number().int().positive(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  /** Accepted and ignored (Anthropic uses `user_id` for abuse detection). */
  metadata: z.object({}).loose().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;

// ---- response ---------------------------------------------------------------------------------------------------

/** Why the model stopped: end of turn, the `max_tokens` limit, a stop sequence, or a tool call. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  /** `toolu_…` */
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type AnthropicContentBlock = AnthropicTextBlock | AnthropicToolUseBlock;

/** Token counts; `input_tokens` is the whole prompt (Corral reports its prefix-cache reuse nowhere else). */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
}

/** The body of a non-streamed `POST /v1/messages`, and the `message` of `message_start`. */
export interface AnthropicMessage {
  /** `msg_…` */
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  /** The stop sequence that ended generation, when `stop_reason` is `stop_sequence`. */
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One server-sent event of a streamed message; the SSE `event:` name equals `type`. */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'ping' }
  | {
      type: 'content_block_start';
      index: number;
      content_block: AnthropicTextBlock | AnthropicToolUseBlock;
    }
  | {
      type: 'content_block_delta';
      index: number;
      delta: { type: 'text_delta'; text: string } | { type: 'input_json_delta'; partial_json: string };
    }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      usage: AnthropicUsage;
    }
  | { type: 'message_stop' }
  | AnthropicErrorBody;

/** Anthropic's error types (the `error.type` of every failure). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** Error body of every `/v1/messages` failure, and the `error` event of a stream. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}
