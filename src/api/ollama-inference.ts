/**
 * Wire contract of Ollama's inference endpoints (`/api/generate`, `/api/chat`, `/api/embed`, `/api/embeddings`,
 * `/api/ps`), following Ollama's `docs/api.md`. Browser-safe.
 */
import { z } from 'zod';
import type { ModelDetails } from './ollama-models.js';

/** `keep_alive`: seconds as a number, or a duration string such as `5m`; negative keeps the model loaded. */
export const keepAliveSchema = z.union([z.number(), z.string()]);

/**
 * Runtime options (Ollama's `Options`). Known options are type-checked; unknown keys are accepted and ignored
 * (Ollama logs and ignores them too), so clients that send extra options keep working.
 */
export const optionsSchema = z
  .object({
    num_ctx: z.number().int().positive(),
    num_batch: z.number().int().positive(),
    num_gpu: z.number().int(),
    main_gpu: z.number().int(),
    use_mmap: z.boolean(),
    num_thread: z.number().int().nonnegative(),
    num_keep: z.number().int(),
    seed: z.number().int(),
    num_predict: z.number().int(),
    top_k: z.number().int().nonnegative(),
    top_p: z.number().min(0).max(1),
    min_p: z.number().min(0).max(1),
    typical_p: z.number().min(0).max(1),
    repeat_last_n: z.number().int().min(-1),
    temperature: z.number().min(0),
    repeat_penalty: z.number().min(0),
    presence_penalty: z.number(),
    frequency_penalty: z.number(),
    stop: z.array(z.string()),
  })
  .partial()
  .passthrough();
export type Options = z.infer<typeof optionsSchema>;

/** `format`: `"json"`, or a JSON schema object the output must match. */
export const formatSchema = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())]);

const toolCallSchema = z.object({
  function: z.object({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  }),
});
export type WireToolCall = z.infer<typeof toolCallSchema>;

export const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type WireTool = z.infer<typeof toolSchema>;

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  images: z.array(z.string()).optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_name: z.string().optional(),
  thinking: z.string().optional(),
});
export type WireChatMessage = z.input<typeof chatMessageSchema>;

const common = {
  model: z.string().min(1),
  format: formatSchema.optional(),
  options: optionsSchema.optional(),
  stream: z.boolean().optional(),
  keep_alive: keepAliveSchema.optional(),
  /** Corral: abort the request after this long (duration), queueing included. */
  timeout: keepAliveSchema.optional(),
  think: z.union([z.boolean(), z.enum(['high', 'medium', 'low'])]).optional(),
  /** Return the log probability of each generated token (in the final response). */
  logprobs: z.boolean().optional(),
  /** With `logprobs`: this many most likely alternatives per token (0–20). */
  top_logprobs: z.number().int().min(0).max(20).optional(),
};

export const generateRequestSchema = z.object({
  ...common,
  prompt: z.string().optional(),
  suffix: z.string().optional(),
  system: z.string().optional(),
  template: z.string().optional(),
  context: z.array(z.number().int()).optional(),
  raw: z.boolean().optional(),
  images: z.array(z.string()).optional(),
});
export type GenerateRequest = z.input<typeof generateRequestSchema>;

export const chatRequestSchema = z.object({
  ...common,
  messages: z.array(chatMessageSchema).optional(),
  tools: z.array(toolSchema).optional(),
  /**
   * Corral extension (Ollama has none): `required` or a named function forces the answer to be a tool call,
   * as OpenAI's `tool_choice`; `none` offers no tools.
   */
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .optional(),
});
export type ChatRequest = z.input<typeof chatRequestSchema>;

export const embedRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string())]),
  truncate: z.boolean().optional(),
  dimensions: z.number().int().positive().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
  /** Corral: abort the request after this long (duration), queueing included. */
  timeout: keepAliveSchema.optional(),
});
export type EmbedRequest = z.input<typeof embedRequestSchema>;

export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  prompt: z.string(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
  /** Corral: abort the request after this long (duration), queueing included. */
  timeout: keepAliveSchema.optional(),
});
export type EmbeddingsRequest = z.input<typeof embeddingsRequestSchema>;

/** Timing statistics of a final chunk; durations in nanoseconds as Ollama sends them. */
export interface Metrics {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
  /** Corral, with a draft model (speculative decoding): draft tokens the model checked. */
  draft_tokens?: number;
  /** Corral, with a draft model: draft tokens the model accepted (`draft_accepted_tokens / draft_tokens`: acceptance). */
  draft_accepted_tokens?: number;
}

/** A generated token's log probability (Ollama's `logprobs` entries). */
export interface WireLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] }>;
}

export interface GenerateResponse extends Partial<Metrics> {
  model: string;
  created_at: string;
  response: string;
  /** With `logprobs`: every generated token, in the final response. */
  logprobs?: WireLogprob[];
  thinking?: string;
  done: boolean;
  done_reason?: string;
  context?: number[];
}

export interface ChatResponse extends Partial<Metrics> {
  model: string;
  created_at: string;
  message: { role: 'assistant'; content: string; thinking?: string; tool_calls?: WireToolCall[] };
  /** With `logprobs`: every generated token, in the final response. */
  logprobs?: WireLogprob[];
  done: boolean;
  done_reason?: string;
}

export interface EmbedResponse {
  model: string;
  embeddings: number[][];
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
}

export interface EmbeddingsResponse {
  embedding: number[];
}

/** One loaded model in `GET /api/ps`. */
export interface RunningModel {
  name: string;
  model: string;
  size: number;
  digest: string;
  details: ModelDetails;
  expires_at: string;
  size_vram: number;
  context_length: number;
  /** Corral: the node it is loaded on, when a cluster gateway answers (one entry per node and model). */
  node?: string;
}

export interface PsResponse {
  models: RunningModel[];
}

/** `POST /api/load`: load a model now; `keep_alive: -1` pins it (never evicted, never expires). */
export const loadRequestSchema = z.object({
  model: z.string().min(1),
  keep_alive: keepAliveSchema.optional(),
  /** Corral: abort the request after this long (duration), queueing included. */
  timeout: keepAliveSchema.optional(),
  options: optionsSchema.optional(),
});
export type LoadRequest = z.input<typeof loadRequestSchema>;

/** `POST /api/unload`: unload a model now (no-op when it is not loaded). */
export const unloadRequestSchema = z.object({ model: z.string().min(1) });
export type UnloadRequest = z.input<typeof unloadRequestSchema>;

/** Answer of `/api/load`. */
export interface LoadResponse {
  model: string;
  status: 'loaded';
  load_duration: number;
  expires_at: string | null;
}

/** `GET /api/queue`: requests in flight, per model and one by one (oldest first). */
export interface QueueResponse {
  models: Array<{ model: string; waiting: number; running: number }>;
  requests: Array<{
    id: string;
    model: string;
    kind: 'generate' | 'chat' | 'embed' | 'rerank';
    state: 'waiting' | 'running';
    /** API key or user name of the sender, when auth identifies one. */
    client: string | null;
    received_at: string;
    started_at: string | null;
    age_ms: number;
  }>;
}

/** `POST /api/tokenize`. */
export const tokenizeRequestSchema = z.object({ model: z.string().min(1), content: z.string() });
export type TokenizeRequest = z.input<typeof tokenizeRequestSchema>;

/** `POST /api/detokenize`. */
export const detokenizeRequestSchema = z.object({
  model: z.string().min(1),
  tokens: z.array(z.number().int().min(0)).max(1_000_000),
});
export type DetokenizeRequest = z.input<typeof detokenizeRequestSchema>;
