/** A manual {@link Clock} for tests: time moves only when the test calls `advance`. */
import type { Clock, TimerHandle } from './clock.js';

/** Let pending promise chains and I/O callbacks run (two macrotask turns). */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock whose timers fire only inside {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.#nextId;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers scheduled and not fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, firing due timers in time order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: { at: number; callback: () => void } | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && (next === undefined || timer.at < next.at)) [nextId, next] = [id, timer];
      }
      if (next === undefined || nextId === undefined) break;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await flushPromises();
    }
    this.#now = end;
    await flushPromises();
  }
}

/** Whether `promise` has settled, after letting pending work run. Does not consume a rejection's error. */
export async function promiseState(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  void promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await flushPromises();
  return state;
}
