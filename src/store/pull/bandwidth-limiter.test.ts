import { describe, expect, it } from 'vitest';
import { BandwidthLimiter } from './bandwidth-limiter.js';

/** A limiter on a clock the test moves. */
function limiter(bytesPerSecond: number, burstMs = 50) {
  let now = 1000;
  const l = new BandwidthLimiter(bytesPerSecond, { burstMs, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('BandwidthLimiter', () => {
  it.each([
    // rate B/s, burst ms, chunks taken at the same instant → pauses answered
    { rate: 1_000_000, burst: 50, chunks: [10_000, 40_000], want: [0, 0] },
    { rate: 1_000_000, burst: 50, chunks: [50_000, 10_000], want: [0, 10] },
    { rate: 1_000_000, burst: 0, chunks: [100_000, 100_000], want: [100, 200] },
    { rate: 2_000_000, burst: 50, chunks: [65_536, 65_536, 65_536], want: [0, 16, 49] },
  ])('books $chunks at $rate B/s (burst $burst ms) → $want', ({ rate, burst, chunks, want }) => {
    const { l } = limiter(rate, burst);
    expect(chunks.map((c) => l.take(c))).toEqual(want);
  });

  it('holds the rate for callers that wait as told, however they interleave', () => {
    const { l, advance } = limiter(2_000_000);
    // Three receivers: each takes a chunk when its pause is over; the clock jumps to the earliest one.
    const ready = [0, 0, 0];
    let bytes = 0;
    let t = 0;
    while (bytes < 20_000_000) {
      const i = ready.indexOf(Math.min(...ready));
      advance((ready[i] as number) - t);
      t = ready[i] as number;
      const chunk = [16_384, 65_536, 40_000][i] as number;
      bytes += chunk;
      ready[i] = t + l.take(chunk);
    }
    const rate = bytes / (t / 1000);
    expect(rate).toBeGreaterThan(2_000_000 * 0.99);
    expect(rate).toBeLessThan(2_000_000 * 1.02);
  });

  it('does not bank idle time: after a quiet minute only the burst passes without a pause', () => {
    const { l, advance } = limiter(1_000_000);
    advance(60_000);
    expect(l.take(50_000)).toBe(0);
    expect(l.take(100_000)).toBe(100);
  });

  it('refuses a limit that is not positive', () => {
    expect(() => new BandwidthLimiter(0)).toThrow(RangeError);
  });
});
