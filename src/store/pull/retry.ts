/**
 * Retrying transfers: which failures are worth another attempt (connection resets, timeouts, 5xx, 429, stalls)
 * and how long to wait before it. The backoff grows with the square of the attempt, as Ollama's `newBackoff`
 * (smoother than doubling), capped, with ±50% jitter so parallel parts do not retry in lockstep.
 */
import { AppError } from '../../core/index.js';

/** A failure that may succeed when tried again; `cause` holds the original. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  /** The code to report when retries run out. */
  readonly code: 'NETWORK_ERROR' | 'REGISTRY_ERROR';

  constructor(message: string, code: 'NETWORK_ERROR' | 'REGISTRY_ERROR', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// Node/undici error codes of connections that failed or broke; all are worth a retry.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'HPE_INVALID_CONSTANT',
]);

/** True for a failure worth retrying: a {@link RetryableError} or a network-level error. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RetryableError) return true;
  if (err instanceof AppError) return false;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (err instanceof Error && err.message === 'aborted' && code === 'ECONNRESET')
  );
}

/** True when HTTP `status` is a transient server condition (retry), not a final answer. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Delay before attempt `attempt` (1-based): `attempt² × baseMs`, at most `maxMs`, jittered by ±50%. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const d = Math.min(attempt * attempt * baseMs, maxMs);
  return Math.round(d * (0.5 + random()));
}

/** Retry policy of the downloader. */
export interface RetryPolicy {
  /** Attempts after the first (default 6, as Ollama's `maxRetries`). */
  retries: number;
  /** Base of the backoff (default 100 ms). */
  baseMs: number;
  /** Longest wait between attempts (default 10 s). */
  maxMs: number;
}

/** The default {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 6, baseMs: 100, maxMs: 10_000 };

/**
 * The policy of small metadata requests (manifests, file lists): a few quick retries, so "no network" is
 * reported within a second instead of after the long backoff that protects big transfers.
 */
export const METADATA_RETRY: RetryPolicy = { retries: 2, baseMs: 100, maxMs: 1_000 };

/** Wait `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `fn` until it succeeds, retrying retryable failures with backoff. When attempts run out the last failure
 * becomes an `AppError` (`NETWORK_ERROR` or `REGISTRY_ERROR`) that says what was tried.
 */
export async function withRetry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (err: unknown, attempt: number) => void },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (options.signal?.aborted || !isRetryable(err)) throw err;
      if (attempt >= policy.retries) throw giveUp(what, err, attempt + 1);
      options.onRetry?.(err, attempt + 1);
      await sleep(backoffDelay(attempt + 1, policy.baseMs, policy.maxMs), options.signal);
    }
  }
}

/** The `AppError` for a retryable failure that kept happening. */
export function giveUp(what: string, err: unknown, attempts: number): AppError {
  const code = err instanceof RetryableError ? err.code : 'NETWORK_ERROR';
  const reason = err instanceof Error ? err.message : String(err);
  return new AppError(code, `${what} failed after ${attempts} attempts: ${reason}`, {
    cause: err,
    details: { attempts },
  });
}
