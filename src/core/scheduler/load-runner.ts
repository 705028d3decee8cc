/** Start a runner through the factory, bounded by a timeout and an abort signal. Internal to the scheduler. */
import { formatDuration } from '../../lib/duration.js';
import { AppError, isAppError } from '../errors.js';
import type { Runner, RunnerFactory, RunnerLoadSpec } from '../runner.js';
import type { Clock } from './clock.js';

/** Options of {@link loadRunner}. */
export interface LoadRunnerOptions {
  timeoutMs: number;
  clock: Clock;
  /** Aborting gives up on the load at once (rejects `CANCELLED`). */
  signal: AbortSignal;
  /** Receives a runner that arrived after the timeout or abort, so it can be closed rather than leaked. */
  onLateRunner(runner: Runner): void;
}

/**
 * Call `factory(spec)`. Rejects with `RUNNER_TIMEOUT` after `timeoutMs`, with `CANCELLED` when `signal` aborts, and
 * with `RUNNER_FAILED` (cause attached) when the factory throws something other than an `AppError`. The factory's
 * own signal is aborted in the first two cases so it can stop the process it started.
 */
export function loadRunner(
  factory: RunnerFactory,
  spec: RunnerLoadSpec,
  options: LoadRunnerOptions,
): Promise<Runner> {
  const { timeoutMs, clock, signal } = options;
  const controller = new AbortController();
  return new Promise<Runner>((resolve, reject) => {
    let done = false;
    let timer: unknown;
    const fail = (error: AppError): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      controller.abort(error);
      reject(error);
    };
    const onAbort = (): void =>
      fail(new AppError('CANCELLED', 'model load cancelled', { cause: signal.reason as unknown }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(timeoutMs)) {
      timer = clock.setTimeout(
        () => fail(new AppError('RUNNER_TIMEOUT', `model did not load within ${formatDuration(timeoutMs)}`)),
        timeoutMs,
      );
    }
    let started: Promise<Runner>;
    try {
      started = factory(spec, controller.signal);
    } catch (err) {
      // A factory that throws synchronously is treated like one that rejects.
      started = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    void started.then(
      (runner) => {
        if (done) return options.onLateRunner(runner);
        done = true;
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(runner);
      },
      (err: unknown) => {
        // After a timeout or abort the factory's rejection is the expected echo of our own abort.
        if (done) return;
        const message = err instanceof Error ? err.message : String(err);
        fail(
          isAppError(err)
            ? err
            : new AppError('RUNNER_FAILED', `model load failed: ${message}`, { cause: err }),
        );
      },
    );
  });
}
