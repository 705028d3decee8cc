/**
 * Pieces shared by the OpenAI translators: the 400 they throw, options and `keep_alive` mapping, usage, finish
 * reasons, ids and timestamps. Everything here is pure except {@link randomId}, which callers may replace.
 */
import { randomBytes } from 'node:crypto';
import type { Options } from '../../api/index.js';
import type { OpenAIChatCompletionRequest, OpenAIFinishReason, OpenAIUsage } from '../../api/index.js';
import { AppError, type DoneReason, type GenerateResult, type RequestOptions } from '../../core/index.js';
import { parseDuration } from '../../lib/index.js';

/** The `INVALID_REQUEST` error for one field, worded like `parseBody`'s (`invalid request: <path>: <problem>`). */
export function invalidField(field: string, problem: string, cause?: unknown): AppError {
  return new AppError('INVALID_REQUEST', `invalid request: ${field}: ${problem}`, {
    details: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Refuse `n` (or `best_of`) other than 1: Corral generates one choice per request. */
export function requireSingleChoice(field: string, value: number | null | undefined): void {
  if (value != null && value !== 1) throw invalidField(field, `only 1 is supported, got ${value}`);
}

/** The sampling fields both completion endpoints share. */
type GenerationFields = Pick<
  OpenAIChatCompletionRequest,
  'temperature' | 'top_p' | 'stop' | 'seed' | 'frequency_penalty' | 'presence_penalty'
> & { options?: Options | undefined };

/**
 * Ollama options for a request: the `options` extension first, then every OpenAI field that was given (so the
 * explicit OpenAI fields win). Absent fields stay absent: the model's own defaults apply, not OpenAI's.
 */
export function toRequestOptions(
  body: GenerationFields,
  maxTokens: number | null | undefined,
): RequestOptions {
  const explicit: RequestOptions = {};
  if (body.temperature != null) explicit.temperature = body.temperature;
  if (body.top_p != null) explicit.top_p = body.top_p;
  if (body.seed != null) explicit.seed = body.seed;
  if (body.frequency_penalty != null) explicit.frequency_penalty = body.frequency_penalty;
  if (body.presence_penalty != null) explicit.presence_penalty = body.presence_penalty;
  if (body.stop != null) explicit.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (maxTokens != null) explicit.num_predict = maxTokens;
  return { ...body.options, ...explicit };
}

/** `keep_alive` in milliseconds (`Infinity` = forever), or undefined when absent; a bad value is a 400. */
export function toKeepAliveMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch (err) {
    if (err instanceof RangeError) throw invalidField('keep_alive', err.message, err);
    throw err;
  }
}

/**
 * The texts of a `prompt`/`input` that may be a string, strings, or token arrays. Token arrays are refused: the
 * ids would belong to OpenAI's tokenizers, not the model's (Ollama refuses them too).
 */
export function textInputs(value: string | string[] | number[] | number[][], field: string): string[] {
  if (typeof value === 'string') return [value];
  if (value.some((item) => typeof item !== 'string')) {
    throw invalidField(field, 'token arrays are not supported; send the text instead');
  }
  return value as string[];
}

/** Token usage of a generation. */
export function toUsage(
  result: Pick<GenerateResult, 'promptTokens' | 'evalTokens' | 'promptCachedTokens'>,
): OpenAIUsage {
  // OpenAI counts the whole prompt, including tokens reused from the prefix cache.
  const prompt = result.promptTokens + (result.promptCachedTokens ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: result.evalTokens,
    total_tokens: prompt + result.evalTokens,
  };
}

/**
 * OpenAI's finish reason: `length` at the token limit; `tool_calls` when the model stopped after calling tools
 * (as Ollama's `ToChatCompletion` does); otherwise `stop` (a cancelled generation also ended normally for the
 * client, which has no finish reason for it).
 */
export function toFinishReason(reason: DoneReason, calledTools: boolean): OpenAIFinishReason {
  if (reason === 'length') return 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** Unix time in whole seconds, as OpenAI's `created`. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** `system_fingerprint` of every response. */
export const SYSTEM_FINGERPRINT = 'fp_corral';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id with OpenAI's look: `prefix` + 24 letters and digits (`call_…`, `chatcmpl-…`, `cmpl-…`). */
export function randomId(prefix: string): string {
  // 256 % 62 leaves a slight bias towards the first letters; irrelevant for ids that only need to be unique.
  return prefix + Array.from(randomBytes(24), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Identity and framing of one streamed response, fixed at its start. */
export interface ChunkContext {
  id: string;
  model: string;
  /** Unix seconds; OpenAI repeats one value on every chunk of a stream. */
  created: number;
  /** `stream_options.include_usage`: chunks carry `usage: null` and a last usage-only chunk is sent. */
  includeUsage: boolean;
}
