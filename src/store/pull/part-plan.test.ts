import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryable, isTransientStatus, RetryableError } from './retry.js';
import { completedBytes, contiguousEnd, partsCover, planParts, type Part } from './part-plan.js';

const MB = 1024 * 1024;

describe('planParts', () => {
  it.each([
    { size: 0, max: 4, sizes: [] },
    { size: 1, max: 4, sizes: [1] },
    { size: 8 * MB, max: 4, sizes: [8 * MB] },
    { size: 8 * MB + 1, max: 4, sizes: [4 * MB + 1, 4 * MB] },
    {
      size: 20 * MB,
      max: 4,
      sizes: [Math.ceil((20 * MB) / 3), Math.ceil((20 * MB) / 3), 20 * MB - 2 * Math.ceil((20 * MB) / 3)],
    },
    { size: 100 * MB, max: 4, sizes: [25 * MB, 25 * MB, 25 * MB, 25 * MB] },
    { size: 100 * MB, max: 1, sizes: [100 * MB] },
  ])('splits $size bytes into at most $max parts', ({ size, max, sizes }) => {
    const parts = planParts(size, max);
    expect(parts.map((p) => p.size)).toEqual(sizes);
    expect(partsCover(parts, size)).toBe(true);
  });
});

describe('part bookkeeping', () => {
  const parts: Part[] = [
    { offset: 0, size: 10, completed: 10 },
    { offset: 10, size: 10, completed: 4 },
    { offset: 20, size: 5, completed: 5 },
  ];

  it('sums completed bytes and finds the contiguous prefix', () => {
    expect(completedBytes(parts)).toBe(19);
    expect(contiguousEnd(parts)).toBe(14);
    expect(contiguousEnd([{ offset: 0, size: 10, completed: 0 }])).toBe(0);
    expect(contiguousEnd(parts.map((p) => ({ ...p, completed: p.size })))).toBe(25);
  });

  it.each([
    { parts, size: 25, ok: true },
    { parts, size: 26, ok: false },
    { parts: [{ offset: 1, size: 24, completed: 0 }], size: 25, ok: false },
    { parts: [{ offset: 0, size: 25, completed: 26 }], size: 25, ok: false },
    { parts: [{ offset: 0, size: 25, completed: -1 }], size: 25, ok: false },
  ])('checks that journal parts tile the blob ($size, $ok)', ({ parts: ps, size, ok }) => {
    expect(partsCover(ps, size)).toBe(ok);
  });
});

describe('retry policy', () => {
  it.each([
    { attempt: 1, random: 0.5, ms: 100 },
    { attempt: 3, random: 0.5, ms: 900 },
    { attempt: 3, random: 0, ms: 450 },
    { attempt: 3, random: 1, ms: 1350 },
    { attempt: 100, random: 0.5, ms: 10_000 },
  ])('backs off quadratically with jitter (attempt $attempt)', ({ attempt, random, ms }) => {
    expect(backoffDelay(attempt, 100, 10_000, () => random)).toBe(ms);
  });

  it('retries network errors, 5xx and 429, not final answers', () => {
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new RetryableError('stalled', 'NETWORK_ERROR'))).toBe(true);
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect([500, 503, 429, 408].every(isTransientStatus)).toBe(true);
    expect([400, 401, 403, 404].some(isTransientStatus)).toBe(false);
  });
});
