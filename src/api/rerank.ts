/**
 * Wire contract of reranking: Corral's `POST /api/rerank`, and `POST /v1/rerank` in the Jina / Cohere shape that
 * llama.cpp's server offers (tools/server/README.md, "POST /reranking"; `format_response_rerank`). Scores are
 * relevance probabilities in [0, 1]; results are sorted by score, highest first, and cut to `top_n`. Browser-safe.
 */
import { z } from 'zod';
import { keepAliveSchema, optionsSchema } from './ollama-inference.js';

const rerankFields = {
  model: z.string().min(1),
  query: z.string(),
  documents: z.array(z.string()).min(1, 'must be a non-empty array of strings'),
  /** Keep only the `top_n` best results (default: all). */
  top_n: z.number().int().positive().optional(),
  /** Include each document's text in its result (default false). */
  return_documents: z.boolean().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
};

/** `POST /api/rerank`. */
export const rerankRequestSchema = z.object(rerankFields);
export type RerankRequest = z.input<typeof rerankRequestSchema>;

/** One ranked document: its index in the request, its score, and its text when asked for. */
export interface RankedDocument {
  index: number;
  relevance_score: number;
  document?: string;
}

/** `POST /api/rerank` response; durations in nanoseconds, as Ollama's `/api/embed`. */
export interface RerankResponse {
  model: string;
  results: RankedDocument[];
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
}

/** `POST /v1/rerank` (Jina / Cohere / llama.cpp server). */
export const openaiRerankRequestSchema = z.object(rerankFields);
export type OpenAIRerankRequest = z.input<typeof openaiRerankRequestSchema>;

/** `POST /v1/rerank` response. */
export interface OpenAIRerankResponse {
  model: string;
  object: 'list';
  results: Array<{ index: number; relevance_score: number; document?: { text: string } }>;
  usage: { prompt_tokens: number; total_tokens: number };
}
