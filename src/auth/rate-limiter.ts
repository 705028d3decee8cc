/**
 * Per-caller limits: a token bucket of `perMinute` requests (refilled continuously, so bursts up to the limit
 * are allowed) and a count of requests in flight. Refusals carry the seconds until a retry can succeed, which
 * the HTTP layer sends as `Retry-After`. State is per server process.
 */
import { AppError } from '../core/index.js';
import type { CallerLimits } from './principal.js';

interface Bucket {
  tokens: number;
  at: number;
  inFlight: number;
}

/** Past this many idle buckets, full and idle ones are dropped (they carry no state worth keeping). */
const PRUNE_AT = 10_000;

/** Admits or refuses requests per caller id. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Admit one request of `id`; returns the function that ends it (call once, when its response is done).
   * Throws `RATE_LIMITED` with `details.retryAfter` (seconds) when a limit is reached.
   */
  acquire(id: string, limits: CallerLimits): () => void {
    if (limits.perMinute <= 0 && limits.concurrent <= 0) return () => undefined;
    const now = this.#now();
    const bucket = this.#bucket(id, limits, now);
    if (limits.concurrent > 0 && bucket.inFlight >= limits.concurrent) {
      throw limited(`more than ${limits.concurrent} concurrent requests`, 1);
    }
    if (limits.perMinute > 0) {
      if (bucket.tokens < 1) {
        const perMs = limits.perMinute / 60_000;
        throw limited(
          `more than ${limits.perMinute} requests per minute`,
          (1 - bucket.tokens) / perMs / 1000,
        );
      }
      bucket.tokens -= 1;
    }
    bucket.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      bucket.inFlight--;
    };
  }

  #bucket(id: string, limits: CallerLimits, now: number): Bucket {
    let bucket = this.#buckets.get(id);
    if (bucket === undefined) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now, limits);
      bucket = { tokens: limits.perMinute, at: now, inFlight: 0 };
      this.#buckets.set(id, bucket);
    }
    const refill = ((now - bucket.at) * limits.perMinute) / 60_000;
    bucket.tokens = Math.min(limits.perMinute, bucket.tokens + refill);
    bucket.at = now;
    return bucket;
  }

  #prune(now: number, limits: CallerLimits): void {
    for (const [id, b] of this.#buckets) {
      const full = b.tokens + ((now - b.at) * limits.perMinute) / 60_000 >= limits.perMinute;
      if (b.inFlight === 0 && full) this.#buckets.delete(id);
    }
  }
}

function limited(what: string, seconds: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(seconds - 1e-6)); // float noise must not add a second
  return new AppError('RATE_LIMITED', `rate limit: ${what}; retry in ${retryAfter}s`, {
    details: { retryAfter },
  });
}
