/**
 * The runners the scheduler owns and their life: load, lease counting, keep-alive, drain, close, crash. It makes
 * no choices about which request goes first or what to evict; it tells the {@link Scheduler} through hooks when
 * capacity appears or a load fails. Internal to the scheduler.
 */
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Runner, RunnerExit, RunnerFactory, RunnerLoadSpec } from '../runner.js';
import { type Clock, scheduleAt } from './clock.js';
import { loadRunner } from './load-runner.js';
import { LoadedModel } from './loaded-model.js';
import type { AcquireRequest, Lease, SchedulerObserver } from './types.js';

/** What the pool tells its owner. */
export interface RunnerPoolHooks {
  /** A runner has room for more leases (loaded, or a lease was released): serve its waiters now. */
  onCapacity(model: LoadedModel): void;
  /** A load failed: reject the requests waiting for it. */
  onLoadFailed(model: LoadedModel, error: AppError): void;
  /** Something changed (memory freed, runner gone): run a scheduling pass. */
  onChange(): void;
}

/** Options of {@link RunnerPool}. */
export interface RunnerPoolOptions {
  factory: RunnerFactory;
  clock: Clock;
  log: Logger;
  loadTimeoutMs: number;
  hooks: RunnerPoolHooks;
  observer?: SchedulerObserver;
}

/** Owns every runner, current or closing. */
export class RunnerPool {
  readonly #options: RunnerPoolOptions;
  /** The current runner of each model key: loading, ready or draining. */
  readonly #models = new Map<string, LoadedModel>();
  /** Runners asked to close whose memory is not back yet. */
  readonly #retiring = new Set<LoadedModel>();
  readonly #loads = new Set<Promise<void>>();

  constructor(options: RunnerPoolOptions) {
    this.#options = options;
  }

  /** The current runner of a model key. */
  get(key: string): LoadedModel | undefined {
    return this.#models.get(key);
  }

  /** Current runners, in load order. */
  current(): LoadedModel[] {
    return [...this.#models.values()];
  }

  /** Every runner that holds memory and threads: current ones and those still closing. */
  holding(): LoadedModel[] {
    return [...this.#models.values(), ...this.#retiring];
  }

  /** Start loading a model; capacity or failure is reported through the hooks. */
  load(
    key: string,
    displayName: string,
    spec: RunnerLoadSpec,
    bytes: number,
    keepAliveMs: number,
  ): LoadedModel {
    const model = new LoadedModel(key, displayName, spec, bytes, keepAliveMs, this.#options.clock.now());
    this.#models.set(key, model);
    const { contextSize, threads } = spec;
    this.#options.log.info({ model: displayName, contextSize, threads, bytes }, 'loading model');
    const load = this.#runLoad(model);
    this.#loads.add(load);
    void load.then(() => this.#loads.delete(load));
    return model;
  }

  /** Lease a ready runner; the keep-alive stops until the last lease is released. */
  grant(model: LoadedModel, request: AcquireRequest): Lease {
    const runner = model.runner;
    if (!runner) throw new AppError('INTERNAL', 'scheduler granted a lease on a runner that is not loaded');
    model.refCount++;
    model.clearTimer();
    model.lastUsed = this.#options.clock.now();
    if (request.keepAliveMs !== undefined) model.keepAliveMs = request.keepAliveMs;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#release(model);
    };
    return { runner, release, [Symbol.dispose]: release };
  }

  /** Stop granting leases on a model and close it once idle. */
  drain(model: LoadedModel): void {
    if (model.state !== 'ready') return;
    model.state = 'draining';
    model.clearTimer();
    if (model.refCount === 0) void this.retire(model);
  }

  /** Close a runner now, leases or not (or abort its load); resolves when its memory is back. Never rejects. */
  retire(model: LoadedModel): Promise<void> {
    if (model.state === 'loading') {
      model.loadAbort.abort(new AppError('CANCELLED', 'model load cancelled: the model is being unloaded'));
      return model.whenGone;
    }
    if (model.state === 'closing' || model.state === 'gone') return model.whenGone;
    model.clearTimer();
    model.state = 'closing';
    this.#forget(model);
    this.#retiring.add(model);
    const runner = model.runner;
    const { log, hooks } = this.#options;
    void (async () => {
      try {
        await runner?.close();
        log.info({ model: model.displayName, pid: runner?.pid }, 'model unloaded');
      } catch (err) {
        log.warn({ model: model.displayName, err }, 'runner close failed');
      } finally {
        this.#retiring.delete(model);
        model.markGone();
        hooks.onChange();
      }
    })();
    return model.whenGone;
  }

  /** Close every runner and abort every load; resolves when all are gone. */
  async closeAll(): Promise<void> {
    const stopping = this.current().map((model) => this.retire(model));
    await Promise.all([...stopping, ...[...this.#retiring].map((m) => m.whenGone), ...this.#loads]);
  }

  #release(model: LoadedModel): void {
    if (model.state === 'closing' || model.state === 'gone') return;
    model.refCount--;
    model.lastUsed = this.#options.clock.now();
    if (model.state === 'ready') this.#options.hooks.onCapacity(model);
    if (model.refCount === 0) {
      if (model.state === 'draining') void this.retire(model);
      else if (model.state === 'ready') this.#goIdle(model);
    }
    this.#options.hooks.onChange();
  }

  /** Start the keep-alive of a model that just became idle (Ollama: the timer starts at the last release). */
  #goIdle(model: LoadedModel): void {
    const { clock, log } = this.#options;
    const keepAliveMs = model.keepAliveMs;
    if (keepAliveMs <= 0) {
      void this.retire(model);
      return;
    }
    if (keepAliveMs === Infinity) {
      model.expiresAt = null;
      return;
    }
    const deadline = clock.now() + keepAliveMs;
    model.expiresAt = deadline;
    model.cancelTimer = scheduleAt(clock, deadline, () => {
      model.cancelTimer = undefined;
      if (model.state !== 'ready' || model.refCount > 0) return;
      log.info({ model: model.displayName }, 'model keep-alive expired');
      void this.retire(model);
    });
  }

  #onExit(model: LoadedModel, exit: RunnerExit): void {
    if (model.state === 'closing' || model.state === 'gone') return;
    const fields = { model: model.displayName, pid: model.runner?.pid, ...exit };
    if (exit.expected) this.#options.log.info(fields, 'runner exited');
    else {
      this.#options.log.warn(fields, 'runner exited unexpectedly');
      this.#notify((o) => o.runnerCrashed?.(model.displayName, exit));
    }
    this.#forget(model);
    model.markGone();
    this.#options.hooks.onChange();
  }

  /** Load a model; on failure report it. Never rejects. */
  async #runLoad(model: LoadedModel): Promise<void> {
    const { factory, clock, log, loadTimeoutMs, hooks } = this.#options;
    const started = clock.now();
    try {
      const runner = await loadRunner(factory, model.spec, {
        timeoutMs: loadTimeoutMs,
        clock,
        signal: model.loadAbort.signal,
        onLateRunner: (late) => this.#closeLate(late),
      });
      model.runner = runner;
      model.state = 'ready';
      void runner.exited.then(
        (exit) => this.#onExit(model, exit),
        (err: unknown) => log.warn({ model: model.displayName, err }, 'runner exit watch failed'),
      );
      const { ramBytes, contextSize, threads } = runner.info;
      const ms = clock.now() - started;
      log.info(
        { model: model.displayName, pid: runner.pid, ms, ramBytes, contextSize, threads },
        'model loaded',
      );
      this.#notify((o) => o.modelLoaded?.(model.displayName, ms));
      hooks.onCapacity(model);
      if (model.state === 'ready' && model.refCount === 0) this.#goIdle(model);
    } catch (err) {
      const error = isAppError(err)
        ? err
        : new AppError('RUNNER_FAILED', 'model load failed', { cause: err });
      log.warn({ model: model.displayName, code: error.code, err: error.message }, 'model load failed');
      if (error.code !== 'CANCELLED') this.#notify((o) => o.modelLoadFailed?.(model.displayName, error.code));
      this.#forget(model);
      model.markGone();
      hooks.onLoadFailed(model, error);
    } finally {
      model.markLoadSettled();
      hooks.onChange();
    }
  }

  /** Tell the observer; its failure must not disturb scheduling, so it is only logged. */
  #notify(event: (observer: SchedulerObserver) => void): void {
    const { observer, log } = this.#options;
    if (observer === undefined) return;
    try {
      event(observer);
    } catch (err) {
      log.warn({ err }, 'scheduler observer failed');
    }
  }

  /** Drop a model from the current runners, unless a newer runner already replaced it. */
  #forget(model: LoadedModel): void {
    if (this.#models.get(model.key) === model) this.#models.delete(model.key);
  }

  /** Close a runner that finished loading after its load was abandoned. */
  #closeLate(runner: Runner): void {
    void runner.close().catch((err: unknown) => {
      this.#options.log.warn({ pid: runner.pid, err }, 'runner close failed');
    });
  }
}
