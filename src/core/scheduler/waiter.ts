/** A request waiting in the scheduler's queue for a runner. Internal to the scheduler. */
import { AppError } from '../errors.js';
import type { AcquireRequest, Lease } from './types.js';

/** One queued `acquire` call; settles exactly once. */
export class Waiter {
  #settled = false;
  #detach: (() => void) | undefined;

  constructor(
    readonly request: AcquireRequest,
    /** Bytes the model needs at the requested context size. */
    readonly needBytes: number,
    private readonly resolveLease: (lease: Lease) => void,
    private readonly rejectLease: (error: Error) => void,
  ) {}

  get settled(): boolean {
    return this.#settled;
  }

  get key(): string {
    return this.request.modelKey;
  }

  /** Call `onAbort` if the request's signal aborts while it waits. */
  watchAbort(onAbort: () => void): void {
    const signal = this.request.signal;
    if (!signal) return;
    signal.addEventListener('abort', onAbort, { once: true });
    this.#detach = () => signal.removeEventListener('abort', onAbort);
  }

  resolve(lease: Lease): void {
    if (this.#finish()) this.resolveLease(lease);
  }

  reject(error: Error): void {
    if (this.#finish()) this.rejectLease(error);
  }

  /** Reject with `CANCELLED`, citing the signal's reason. */
  cancel(): void {
    const reason: unknown = this.request.signal?.reason;
    this.reject(new AppError('CANCELLED', 'request cancelled while waiting for a model', { cause: reason }));
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#detach?.();
    this.#detach = undefined;
    return true;
  }
}
