/**
 * Requests and results of the core inference calls. Both API dialects (Ollama `/api/*`, OpenAI `/v1/*`) are thin
 * translations onto these; the inference service resolves the model, merges options and runs the request.
 */
import type { ChatMessage, GenerateResult, OutputFormat, SamplingOptions, ToolDefinition } from './runner.js';

/** Load-time options (Ollama's runtime options); a change of `num_ctx` may reload the model. */
export interface RuntimeOptions {
  num_ctx?: number;
  num_thread?: number;
  num_batch?: number;
  num_gpu?: number;
  use_mmap?: boolean;
}

/** Every option a request may carry, in Ollama's names. */
export type RequestOptions = SamplingOptions & RuntimeOptions;

interface InputBase {
  /** Model name as the client sent it. */
  model: string;
  options: RequestOptions;
  /** How long the model stays loaded after this request: ms, `Infinity` forever, `0` unload at once. */
  keepAliveMs?: number;
  /** Report token log probabilities with `top` alternatives each. */
  logprobs?: { top: number };
}

/** A chat turn: the model's chat template renders `messages`. */
export interface ChatInput extends InputBase {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** `required`: the answer must be a call to one of `tools` (enforced by a grammar); default `auto`. */
  toolChoice?: 'auto' | 'required';
  format?: OutputFormat;
}

/** A completion of a prompt; unless `raw`, the prompt is wrapped as a user turn by the chat template. */
export interface CompletionInput extends InputBase {
  prompt: string;
  suffix?: string;
  system?: string;
  /** Ollama's `template` override (Go template syntax). */
  template?: string;
  raw?: boolean;
  format?: OutputFormat;
}

export interface EmbedInput extends InputBase {
  inputs: string[];
  /** Cut inputs longer than the context (default) instead of failing. */
  truncate: boolean;
  /** Keep only the first N dimensions. */
  dimensions?: number;
  /** Scale each vector to unit length (default true, as Ollama's `/api/embed`; its legacy `/api/embeddings` does not). */
  normalize?: boolean;
}

/** A finished generation with the statistics both dialects report. */
export interface InferenceResult extends GenerateResult {
  /** Model name as the client sent it. */
  model: string;
  createdAt: Date;
  loadMs: number;
  totalMs: number;
}

export interface EmbedOutput {
  model: string;
  embeddings: number[][];
  promptTokens: number;
  loadMs: number;
  totalMs: number;
}

/** Reranking: score each document's relevance to `query` with a reranker (cross-encoder) model. */
export interface RerankInput extends InputBase {
  query: string;
  documents: string[];
}

export interface RerankOutput {
  model: string;
  /** One score per document, in input order, each in [0, 1]. */
  scores: number[];
  promptTokens: number;
  loadMs: number;
  totalMs: number;
}
