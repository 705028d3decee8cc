/** A {@link RunnerFactory} for tests that makes {@link FakeRunner}s, with loads that can be held or made to fail. */
import { AppError } from '../errors.js';
import type { RunnerFactory, RunnerLoadSpec } from '../runner.js';
import { FakeRunner } from './fake-runner.js';

/** Makes fake runners; pass `factory.create` as the scheduler's `runnerFactory`. */
export class FakeRunnerFactory {
  /** Every runner made, in order. */
  readonly runners: FakeRunner[] = [];
  /** Every load requested (including failed ones), in order. */
  readonly specs: RunnerLoadSpec[] = [];
  /** While true, loads stay pending until {@link releaseLoads}. */
  holdLoads = false;
  /** Bytes each runner reports as used; default 1 MB. */
  ramBytes: (spec: RunnerLoadSpec) => number = () => 1_000_000;
  readonly #held: Array<() => void> = [];
  readonly #failures: Error[] = [];

  /** The factory function. */
  readonly create: RunnerFactory = (spec, signal) => {
    this.specs.push(spec);
    const failure = this.#failures.shift();
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        if (signal?.aborted) return;
        if (failure) return reject(failure);
        const runner = new FakeRunner(spec, this.ramBytes(spec));
        this.runners.push(runner);
        resolve(runner);
      };
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      if (this.holdLoads) this.#held.push(finish);
      else finish();
    });
  };

  /** Make the next load fail with `error`. */
  failNextLoad(error: Error = new AppError('RUNNER_FAILED', 'simulated load failure')): void {
    this.#failures.push(error);
  }

  /** Complete every held load. */
  releaseLoads(): void {
    for (const finish of this.#held.splice(0)) finish();
  }

  /** Loads requested so far. */
  get loadCount(): number {
    return this.specs.length;
  }

  /** Runners neither closed nor crashed. */
  get live(): FakeRunner[] {
    return this.runners.filter((runner) => !runner.hasExited);
  }
}
