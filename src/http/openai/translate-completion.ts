/**
 * `/v1/completions` ⇄ core completion. OpenAI sends the prompt as the model should see it, so it is not wrapped
 * in the chat template (`raw: true`). Pure, in the shape of Ollama's `FromCompleteRequest` / `ToCompletion`.
 */
import type {
  OpenAICompletion,
  OpenAICompletionChunk,
  OpenAICompletionRequest,
  OpenAIFinishReason,
  OpenAIUsage,
} from '../../api/index.js';
import type { CompletionInput, GenerateResult, InferenceResult } from '../../core/index.js';
import {
  SYSTEM_FINGERPRINT,
  invalidField,
  requireSingleChoice,
  textInputs,
  toFinishReason,
  toKeepAliveMs,
  toRequestOptions,
  toUsage,
  unixSeconds,
  type ChunkContext,
} from './translate-shared.js';

/** A translated completion request and how to answer it. */
export interface CompletionRequestPlan {
  input: CompletionInput;
  stream: boolean;
  /** Send a final usage chunk (only when streaming). */
  includeUsage: boolean;
}

/**
 * Translate a validated completion request. Throws `INVALID_REQUEST` for what Corral does not serve: several
 * prompts, token arrays, `n`/`best_of` ≠ 1, `echo`, `logprobs` > 0; and for a bad `keep_alive`.
 */
export function fromCompletionRequest(body: OpenAICompletionRequest): CompletionRequestPlan {
  requireSingleChoice('n', body.n);
  requireSingleChoice('best_of', body.best_of);
  if (body.echo === true) throw invalidField('echo', 'echoing the prompt is not supported');
  if (body.logprobs != null && body.logprobs > 0)
    throw invalidField('logprobs', 'log probabilities are not supported');
  const prompts = textInputs(body.prompt, 'prompt');
  if (prompts.length !== 1) {
    throw invalidField(
      'prompt',
      prompts.length === 0 ? 'must not be empty' : 'only one prompt per request is supported',
    );
  }
  const input: CompletionInput = {
    model: body.model,
    prompt: prompts[0] as string,
    raw: true,
    options: toRequestOptions(body, body.max_tokens),
  };
  if (body.suffix != null) input.suffix = body.suffix;
  const keepAliveMs = toKeepAliveMs(body.keep_alive);
  if (keepAliveMs !== undefined) input.keepAliveMs = keepAliveMs;
  const stream = body.stream ?? false;
  return { input, stream, includeUsage: stream && body.stream_options?.include_usage === true };
}

/** The `text_completion` body for a finished generation. */
export function toCompletion(result: InferenceResult, id: string): OpenAICompletion {
  return {
    id,
    object: 'text_completion',
    created: unixSeconds(result.createdAt),
    model: result.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        text: result.text,
        index: 0,
        logprobs: null,
        finish_reason: toFinishReason(result.doneReason, false),
      },
    ],
    usage: toUsage(result),
  };
}

/** What one streamed completion chunk carries. */
export type CompletionChunkPart =
  | { kind: 'text'; text: string }
  | { kind: 'finish'; reason: OpenAIFinishReason }
  | { kind: 'usage'; usage: OpenAIUsage };

/**
 * One chunk of a streamed completion: text pieces, then an empty text with the finish reason, then with
 * `include_usage` a chunk with the usage and no choices (every other chunk then carries `usage: null`).
 */
export function completionChunk(ctx: ChunkContext, part: CompletionChunkPart): OpenAICompletionChunk {
  const chunk: OpenAICompletionChunk = {
    id: ctx.id,
    object: 'text_completion',
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [],
  };
  if (part.kind === 'usage') {
    chunk.usage = part.usage;
    return chunk;
  }
  const text = part.kind === 'text' ? part.text : '';
  const finish = part.kind === 'finish' ? part.reason : null;
  chunk.choices.push({ text, index: 0, logprobs: null, finish_reason: finish });
  if (ctx.includeUsage) chunk.usage = null;
  return chunk;
}

/** The chunks that close a completion stream: the finish reason, and the usage when `ctx.includeUsage`. */
export function completionFinalChunks(
  ctx: ChunkContext,
  result: Pick<GenerateResult, 'doneReason' | 'promptTokens' | 'evalTokens'>,
): OpenAICompletionChunk[] {
  const chunks = [completionChunk(ctx, { kind: 'finish', reason: toFinishReason(result.doneReason, false) })];
  if (ctx.includeUsage) chunks.push(completionChunk(ctx, { kind: 'usage', usage: toUsage(result) }));
  return chunks;
}
