import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { RateLimiter } from './rate-limiter.js';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('RateLimiter', () => {
  it('allows a burst up to the per-minute limit, then refills continuously', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const limits = { perMinute: 3, concurrent: 0 };
    for (let i = 0; i < 3; i++) limiter.acquire('k', limits)();
    const err = refusal(() => limiter.acquire('k', limits));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.details).toEqual({ retryAfter: 20 }); // one request per 20 s at 3/min
    now += 19_000;
    expect(refusal(() => limiter.acquire('k', limits)).details).toEqual({ retryAfter: 1 });
    now += 1_000;
    limiter.acquire('k', limits)();
    limiter.acquire('other', limits)(); // per caller
  });

  it('counts requests in flight until released, once per release', () => {
    const limiter = new RateLimiter(() => 0);
    const limits = { perMinute: 0, concurrent: 2 };
    const a = limiter.acquire('k', limits);
    const b = limiter.acquire('k', limits);
    expect(refusal(() => limiter.acquire('k', limits)).message).toMatch(/more than 2 concurrent/);
    a();
    a(); // a second release of the same request frees nothing more
    const c = limiter.acquire('k', limits);
    expect(() => limiter.acquire('k', limits)).toThrow(AppError);
    b();
    c();
  });

  it('does nothing for unlimited callers', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 1000; i++) limiter.acquire('k', { perMinute: 0, concurrent: 0 });
  });
});
