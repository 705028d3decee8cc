/**
 * Time as the scheduler sees it: injected so tests drive keep-alive expiry and load timeouts with a fake clock
 * instead of sleeping.
 */

/** Opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/** The clock port: wall time in milliseconds and one-shot timers. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. Timers are `unref`ed: an idle model's keep-alive must not keep the process alive on its own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and fire at once; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Call `callback` once `clock.now()` reaches `deadline` (an epoch-ms instant). Works for deadlines of any distance
 * by re-arming in steps; the callback always runs from a timer, never synchronously. Returns a function that cancels the call; cancelling twice is harmless.
 */
export function scheduleAt(clock: Clock, deadline: number, callback: () => void): () => void {
  let handle: TimerHandle;
  let cancelled = false;
  const arm = (): void => {
    const wait = Math.max(0, Math.min(deadline - clock.now(), MAX_TIMER_MS));
    handle = clock.setTimeout(() => {
      if (cancelled) return;
      if (clock.now() >= deadline) callback();
      else arm();
    }, wait);
  };
  arm();
  return () => {
    cancelled = true;
    clock.clearTimeout(handle);
  };
}
