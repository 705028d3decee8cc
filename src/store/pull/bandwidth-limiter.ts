/**
 * The server-wide download bandwidth limit (`CORRAL_PULL_MAX_BPS`): one token bucket shared by every part of
 * every pull, so the sum of all downloads stays under the limit. It is kept as a "theoretical arrival time"
 * (GCRA, the token bucket written as a schedule): each received chunk books its bytes at the end of the shared
 * schedule, and the part that received it pauses its socket until its booking is due. Pausing is the
 * backpressure: the kernel's receive window fills and the sender slows, nothing is buffered beyond a socket's
 * own small buffer. The bucket refills continuously (no second-sized slices) and holds at most `burstMs` worth of
 * bytes, and idle time is not banked, so a limit never releases a multi-second burst.
 */

/** Options of {@link BandwidthLimiter}. */
export interface BandwidthLimiterOptions {
  /** Bytes a caller may run ahead of the schedule before it must pause (default 50 ms of the rate). */
  burstMs?: number;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

/** A shared token bucket: `take` the bytes just received, pause for the milliseconds it answers. */
export class BandwidthLimiter {
  readonly bytesPerSecond: number;
  readonly #burstMs: number;
  readonly #now: () => number;
  #due = 0; // when the bytes booked so far are all within the rate (ms on #now's clock)

  constructor(bytesPerSecond: number, options: BandwidthLimiterOptions = {}) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`invalid bandwidth limit ${bytesPerSecond}`);
    this.bytesPerSecond = bytesPerSecond;
    this.#burstMs = options.burstMs ?? 50;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Book `bytes` just received; answers how many milliseconds the receiver should pause (0: go on). */
  take(bytes: number): number {
    const now = this.#now();
    this.#due = Math.max(this.#due, now) + (bytes / this.bytesPerSecond) * 1000;
    const wait = this.#due - now - this.#burstMs;
    return wait > 0 ? Math.ceil(wait) : 0;
  }
}
