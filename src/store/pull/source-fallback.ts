/**
 * Falling back from one source of a pull to the next (registry mirrors, then the origin): which failures say
 * "this source cannot serve it, try another" and how the final failure names every source that was tried. A
 * mirror is a cache, so any answer of it short of the bytes (refused connection, 5xx, 404, refused credentials,
 * a corrupt blob) sends the pull on to the next source; the origin's answer is the final one. Cancellation and
 * local failures (a full disk) are not the source's fault and stop the pull at once.
 */
import { AppError, type ErrorCode } from '../../core/index.js';
import { isRetryable, RetryableError, type RetryPolicy } from './retry.js';

// Codes of answers that blame the source.
const SOURCE_CODES = new Set<ErrorCode>([
  'NETWORK_ERROR',
  'REGISTRY_ERROR',
  'REGISTRY_UNAUTHORIZED',
  'MODEL_NOT_FOUND',
  'DIGEST_MISMATCH',
]);

/** True when `err` is the source's failure, so the next source may do better. */
export function isSourceFailure(err: unknown): boolean {
  return err instanceof AppError ? SOURCE_CODES.has(err.code) : isRetryable(err);
}

/**
 * The retry policy of a source that has another behind it: one quick retry, then the next source. Retrying a
 * dead mirror with the long backoff that protects the last source would only delay the fallback.
 */
export function fallbackPolicy(policy: RetryPolicy): RetryPolicy {
  return { ...policy, retries: Math.min(policy.retries, 1) };
}

/** One source that failed. */
export interface SourceFailure {
  /** The source, as logs and messages name it (a mirror URL, the registry origin). */
  source: string;
  err: unknown;
}

/**
 * The error when every source failed: the last one's code (the origin's answer decides: `MODEL_NOT_FOUND` stays
 * `MODEL_NOT_FOUND`), with a message naming each source and what it answered.
 */
export function allSourcesFailed(what: string, failures: SourceFailure[]): AppError {
  const last = failures.at(-1)?.err;
  const code: ErrorCode =
    last instanceof AppError ? last.code : last instanceof RetryableError ? last.code : 'NETWORK_ERROR';
  const tried = failures.map((f) => `${f.source} (${reasonOf(f.err)})`).join('; ');
  return new AppError(code, `${what} failed from every source: ${tried}`, {
    cause: last,
    details: { ...(last instanceof AppError ? last.details : {}), sources: failures.map((f) => f.source) },
  });
}

// What a source answered, without the "<what> from <source>" that the list already says.
function reasonOf(err: unknown): string {
  const attempts = err instanceof AppError ? err.details?.attempts : undefined;
  if (typeof attempts === 'number' && err instanceof Error && err.cause instanceof Error) {
    return `failed after ${attempts} attempts: ${err.cause.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
