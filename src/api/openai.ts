/**
 * Wire contract of the OpenAI-compatible endpoints (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`,
 * `/v1/models`), following OpenAI's API reference. Browser-safe.
 *
 * The request schemas accept what OpenAI accepts (nullable fields, content-part arrays, token-array inputs, `n`,
 * `logprobs`), so every well-formed OpenAI request parses. What Corral cannot serve (more than one choice, image,
 * audio and file parts, token arrays, log probabilities, `echo`) is rejected afterwards by the translators in
 * `src/http/openai/` with a 400 that names the field, which reads better than a failed schema union. Unknown
 * fields are dropped, as OpenAI's newer or vendor-specific ones (`parallel_tool_calls`, `store`…) are harmless.
 *
 * Corral extensions on every request: `options` (any Ollama option, e.g. `num_ctx`; the OpenAI fields win over
 * it) and `keep_alive` (as on `/api/*`).
 */
import { z } from 'zod';
import { keepAliveSchema, optionsSchema } from './ollama-inference.js';

// ---- chat messages ----------------------------------------------------------------------------------------------

/** A content part. Only `text` parts are served; the others are recognised so they can be refused clearly. */
const contentPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image_url') }).loose(),
  z.object({ type: z.literal('input_audio') }).loose(),
  z.object({ type: z.literal('file') }).loose(),
]);
export type OpenAIContentPart = z.infer<typeof contentPartSchema>;

/** Message content: a string, or an array of parts (text parts are joined with newlines). */
const contentSchema = z.union([z.string(), z.array(contentPartSchema)]);
export type OpenAIContent = z.infer<typeof contentSchema>;

/** A tool call in an assistant message; `arguments` is a JSON-encoded object, as OpenAI sends it. */
const requestToolCallSchema = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export type OpenAIRequestToolCall = z.infer<typeof requestToolCallSchema>;

const name = z.string().optional();
const chatMessageSchema = z.discriminatedUnion('role', [
  // `developer` is OpenAI's newer name for `system` (o1 and later); local models know only `system`.
  z.object({ role: z.enum(['system', 'developer']), content: contentSchema, name }),
  z.object({ role: z.literal('user'), content: contentSchema, name }),
  z.object({
    role: z.literal('assistant'),
    content: contentSchema.nullish(),
    tool_calls: z.array(requestToolCallSchema).nullish(),
    refusal: z.string().nullish(),
    name,
  }),
  z.object({ role: z.literal('tool'), content: contentSchema, tool_call_id: z.string() }),
]);
export type OpenAIChatMessage = z.infer<typeof chatMessageSchema>;

// ---- tools and output format ------------------------------------------------------------------------------------

const jsonObject = z.record(z.string(), z.unknown());

const functionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: jsonObject.optional(),
    strict: z.boolean().nullish(),
  }),
});
export type OpenAITool = z.infer<typeof functionToolSchema>;

/** `none` offers no tools; a named function offers only that one; `required` cannot be enforced (see translator). */
const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
export type OpenAIToolChoice = z.infer<typeof toolChoiceSchema>;

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: jsonObject.optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export type OpenAIResponseFormat = z.infer<typeof responseFormatSchema>;

// ---- requests ---------------------------------------------------------------------------------------------------

/** Fields shared by chat and text completions. OpenAI allows `null` for each, meaning "not given". */
const generationFields = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  /** Number of choices; only 1 is served. */
  n: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  /** `include_usage`: send a last chunk with token usage and no choices before `[DONE]`. */
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
  /** Corral extension: abort the request after this long (duration), queueing included. */
  timeout: keepAliveSchema.optional(),
};

/** `POST /v1/chat/completions`. `logprobs: true` (with `top_logprobs` 0–20) returns token log probabilities. */
export const openaiChatCompletionRequestSchema = z.object({
  ...generationFields,
  messages: z.array(chatMessageSchema).min(1),
  /** OpenAI's newer name for `max_tokens`; wins when both are sent. */
  max_completion_tokens: z.number().int().positive().nullish(),
  response_format: responseFormatSchema.nullish(),
  tools: z.array(functionToolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
});
export type OpenAIChatCompletionRequest = z.infer<typeof openaiChatCompletionRequestSchema>;

/** A prompt or embedding input: text, texts, or (refused by Corral) token arrays. */
const textOrTokensSchema = z.union([
  z.string(),
  z.array(z.string()),
  z.array(z.number().int()),
  z.array(z.array(z.number().int())),
]);

/** `POST /v1/completions`: the prompt is sent to the model as-is. Only `echo: false`, `n`/`best_of` 1. */
export const openaiCompletionRequestSchema = z.object({
  ...generationFields,
  prompt: textOrTokensSchema,
  suffix: z.string().nullish(),
  echo: z.boolean().nullish(),
  best_of: z.number().int().positive().nullish(),
  /** Number of top log probabilities per token; only 0 (or absent) is served. */
  logprobs: z.number().int().min(0).max(5).nullish(),
});
export type OpenAICompletionRequest = z.infer<typeof openaiCompletionRequestSchema>;

/** How embeddings are returned: JSON numbers, or base64 of little-endian float32 bytes. */
export const openaiEncodingFormatSchema = z.enum(['float', 'base64']);
export type OpenAIEncodingFormat = z.infer<typeof openaiEncodingFormatSchema>;

/** `POST /v1/embeddings`. Token-array inputs are refused; inputs too long for the context are truncated. */
export const openaiEmbeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: textOrTokensSchema,
  encoding_format: openaiEncodingFormatSchema.optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
});
export type OpenAIEmbeddingsRequest = z.infer<typeof openaiEmbeddingsRequestSchema>;

// ---- responses --------------------------------------------------------------------------------------------------

/** Token counts of one request. */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Why a choice ended. Corral reports `stop`, `length` and `tool_calls`. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A tool call in a response; `arguments` is a JSON-encoded object. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Token log probabilities of a chat choice (`logprobs: true`). */
export interface OpenAIChoiceLogprobs {
  content: Array<{
    token: string;
    logprob: number;
    bytes: number[];
    top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
  }>;
  refusal: null;
}

/** `chat.completion`: the body of a non-streamed chat completion. */
export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  /** Unix time in seconds. */
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    /** `content` is null when the model only called tools. */
    message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: OpenAIToolCall[] };
    logprobs: OpenAIChoiceLogprobs | null;
    finish_reason: OpenAIFinishReason;
  }>;
  usage: OpenAIUsage;
}

/** What one streamed chunk adds to the assistant message. */
export interface OpenAIChatDelta {
  role?: 'assistant';
  content?: string;
  tool_calls?: Array<OpenAIToolCall & { index: number }>;
}

/**
 * `chat.completion.chunk`: one server-sent event of a streamed chat completion. With `include_usage`, every
 * chunk has `usage: null` except the last, which has the usage and an empty `choices`.
 */
export interface OpenAIChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: Array<{
    index: number;
    delta: OpenAIChatDelta;
    logprobs: OpenAIChoiceLogprobs | null;
    finish_reason: OpenAIFinishReason | null;
  }>;
  usage?: OpenAIUsage | null;
}

/** One choice of a text completion (or of a streamed chunk, with `finish_reason` null until the end). */
export interface OpenAICompletionChoice {
  text: string;
  index: number;
  logprobs: null;
  finish_reason: OpenAIFinishReason | null;
}

/** `text_completion`: the body of a non-streamed completion. */
export interface OpenAICompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: OpenAICompletionChoice[];
  usage: OpenAIUsage;
}

/** One server-sent event of a streamed completion (OpenAI keeps `object: 'text_completion'`). */
export type OpenAICompletionChunk = Omit<OpenAICompletion, 'usage'> & { usage?: OpenAIUsage | null };

/** `POST /v1/embeddings` response. `embedding` is a base64 string when `encoding_format` is `base64`. */
export interface OpenAIEmbeddingList {
  object: 'list';
  data: Array<{ object: 'embedding'; embedding: number[] | string; index: number }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** One model in `GET /v1/models` and the body of `GET /v1/models/{model}`. */
export interface OpenAIModel {
  id: string;
  object: 'model';
  /** Unix time in seconds (Corral: when the model was last modified). */
  created: number;
  /** The model name's namespace: `library` for official models. */
  owned_by: string;
}

/** `GET /v1/models`. */
export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}

/** Error body of every `/v1/*` failure. `code` is Corral's error code (e.g. `MODEL_NOT_FOUND`). */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
