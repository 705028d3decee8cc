/**
 * The scheduler: hands out runners to requests, loading models when needed, sharing a loaded runner between up to
 * `numParallel` requests, evicting idle models to make room, and unloading them when their keep-alive expires.
 * Shaped after Ollama's `server/sched.go`, as one event-driven state machine instead of goroutines and channels:
 * every event (acquire, release, load done, runner exit, timer) updates the state and runs a scheduling pass.
 * Decisions live in pure functions: {@link planLoad} (memory fit), {@link assignThreads} (core budget).
 */
import { formatBytes } from '../../lib/bytes.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunnerExit } from '../runner.js';
import { assignThreads } from './assign-threads.js';
import { checkOptions, checkRequest } from './check-request.js';
import { type Clock, scheduleAt, systemClock } from './clock.js';
import { loadRunner } from './load-runner.js';
import { LoadedModel } from './loaded-model.js';
import { type LoadPlan, planLoad } from './plan-load.js';
import type { AcquireRequest, Lease, LoadedModelStatus, SchedulerOptions } from './types.js';
import { Waiter } from './waiter.js';

const DEFAULT_LOAD_TIMEOUT_MS = 5 * 60_000;

/** Hands out leases on runners; see the module comment. Close it to stop every runner it started. */
export class Scheduler implements AsyncDisposable {
  readonly #options: SchedulerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Runners may not exceed the count limit nor hold less than one core each. */
  readonly #maxLoaded: number;
  /** The current runner of each model key: loading, ready or draining. */
  readonly #models = new Map<string, LoadedModel>();
  /** Runners asked to close whose memory is not back yet. */
  readonly #retiring = new Set<LoadedModel>();
  /** Waiting requests in arrival order. */
  readonly #queue = new Set<Waiter>();
  readonly #loads = new Set<Promise<void>>();
  #pumping = false;
  #pumpAgain = false;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(options: SchedulerOptions) {
    checkOptions(options);
    this.#options = options;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#maxLoaded = Math.min(options.maxLoadedModels, options.coreBudget);
  }

  /**
   * Get a runner for a model, loading it if needed. Rejects with `QUEUE_FULL` when it would have to wait and
   * `maxQueue` requests already wait, `INSUFFICIENT_MEMORY` when the model can never fit, `CANCELLED` when the
   * signal aborts or the scheduler closes, and with the load's error (`RUNNER_FAILED`, `RUNNER_TIMEOUT`) when
   * loading fails. The lease must be released.
   */
  async acquire(acquireRequest: AcquireRequest): Promise<Lease> {
    if (this.#closing) throw new AppError('CANCELLED', 'the model scheduler is shut down');
    const { request, bytes } = checkRequest(acquireRequest, this.#options.numParallel);
    const signal = request.signal;
    if (signal?.aborted) {
      throw new AppError('CANCELLED', 'request cancelled before it was scheduled', { cause: signal.reason });
    }
    const model = this.#models.get(request.modelKey);
    if (model && this.#canGrant(model, request) && !this.#hasWaiters(request.modelKey)) {
      return this.#grant(model, request);
    }
    const { maxQueue } = this.#options;
    if (this.#queue.size >= maxQueue) {
      throw new AppError('QUEUE_FULL', `server busy: ${maxQueue} requests are already waiting for a model`, {
        details: { maxQueue },
      });
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter = new Waiter(request, bytes, resolve, reject);
      waiter.watchAbort(() => {
        this.#queue.delete(waiter);
        waiter.cancel();
        this.#kick();
      });
      this.#queue.add(waiter);
      this.#kick();
    });
  }

  /** The loaded models (Ollama's `/api/ps`), in load order. */
  ps(): LoadedModelStatus[] {
    const now = this.#clock.now();
    return [...this.#models.values()].flatMap((model) => model.status(now) ?? []);
  }

  /**
   * Unload a model now. Waits until its leases are released (no new ones are granted meanwhile), or with `force`
   * closes it at once, failing the requests it serves. Resolves `false` when the model was not loaded.
   */
  async unload(modelKey: string, options: { force?: boolean } = {}): Promise<boolean> {
    let model = this.#models.get(modelKey);
    if (model?.state === 'loading') {
      await model.loadSettled;
      model = this.#models.get(modelKey);
    }
    if (!model || model.state === 'loading') return false;
    this.#log.info({ model: model.displayName, force: options.force === true }, 'unloading model');
    if (options.force || model.refCount === 0) await this.#retire(model);
    else {
      this.#drain(model);
      await model.whenGone;
    }
    return true;
  }

  /** Reject every waiting request with `CANCELLED`, stop every runner and wait for them to exit. Idempotent. */
  close(): Promise<void> {
    this.#closing = true;
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    const error = new AppError('CANCELLED', 'the model scheduler is shutting down');
    for (const waiter of this.#queue) waiter.reject(error);
    this.#queue.clear();
    const stopping = [...this.#models.values()].map((model) => this.#retire(model));
    await Promise.all([...stopping, ...[...this.#retiring].map((m) => m.whenGone), ...this.#loads]);
    this.#log.info({}, 'scheduler closed');
  }

  // ── Leases ────────────────────────────────────────────────────────────────────────────────────────────────

  #canGrant(model: LoadedModel, request: AcquireRequest): boolean {
    return model.state === 'ready' && model.refCount < this.#options.numParallel && model.serves(request);
  }

  #hasWaiters(modelKey: string): boolean {
    for (const waiter of this.#queue) if (waiter.key === modelKey) return true;
    return false;
  }

  #grant(model: LoadedModel, request: AcquireRequest): Lease {
    const runner = model.runner;
    if (!runner) throw new AppError('INTERNAL', 'scheduler granted a lease on a runner that is not loaded');
    model.refCount++;
    model.clearTimer();
    model.lastUsed = this.#clock.now();
    if (request.keepAliveMs !== undefined) model.keepAliveMs = request.keepAliveMs;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#release(model);
    };
    return { runner, release, [Symbol.dispose]: release };
  }

  /** Hand the model to the requests waiting for it, in order, as far as its capacity goes. */
  #serveWaiting(model: LoadedModel): void {
    for (const waiter of this.#queue) {
      if (waiter.key !== model.key) continue;
      if (model.state !== 'ready' || model.refCount >= this.#options.numParallel) return;
      if (!model.serves(waiter.request)) {
        // Requests behind this one wait for the reloaded runner: they cannot overtake it.
        this.#drain(model);
        return;
      }
      this.#queue.delete(waiter);
      waiter.resolve(this.#grant(model, waiter.request));
    }
  }

  #release(model: LoadedModel): void {
    if (model.state === 'closing' || model.state === 'gone') return;
    model.refCount--;
    model.lastUsed = this.#clock.now();
    this.#serveWaiting(model);
    if (model.refCount === 0) {
      if (model.state === 'draining') void this.#retire(model);
      else if (model.state === 'ready') this.#goIdle(model);
    }
    this.#kick();
  }

  /** Start the keep-alive of a model that just became idle. */
  #goIdle(model: LoadedModel): void {
    const keepAliveMs = model.keepAliveMs;
    if (keepAliveMs <= 0) {
      void this.#retire(model);
      return;
    }
    if (keepAliveMs === Infinity) {
      model.expiresAt = null;
      return;
    }
    const deadline = this.#clock.now() + keepAliveMs;
    model.expiresAt = deadline;
    model.cancelTimer = scheduleAt(this.#clock, deadline, () => {
      model.cancelTimer = undefined;
      if (model.state !== 'ready' || model.refCount > 0) return;
      this.#log.info({ model: model.displayName }, 'model keep-alive expired');
      void this.#retire(model);
    });
  }

  /** Stop granting leases on a model and unload it once idle. */
  #drain(model: LoadedModel): void {
    if (model.state !== 'ready') return;
    model.state = 'draining';
    model.clearTimer();
    if (model.refCount === 0) void this.#retire(model);
  }

  /** Close a runner (or abort its load); resolves when its memory is back. Never rejects. */
  #retire(model: LoadedModel): Promise<void> {
    if (model.state === 'loading') {
      model.loadAbort.abort(new AppError('CANCELLED', 'model load cancelled: the model is being unloaded'));
      return model.whenGone;
    }
    if (model.state === 'closing' || model.state === 'gone') return model.whenGone;
    model.clearTimer();
    model.state = 'closing';
    if (this.#models.get(model.key) === model) this.#models.delete(model.key);
    this.#retiring.add(model);
    const runner = model.runner;
    void (async () => {
      try {
        await runner?.close();
        this.#log.info({ model: model.displayName, pid: runner?.pid }, 'model unloaded');
      } catch (err) {
        this.#log.warn({ model: model.displayName, err }, 'runner close failed');
      } finally {
        this.#retiring.delete(model);
        model.markGone();
        this.#kick();
      }
    })();
    return model.whenGone;
  }

  #onExit(model: LoadedModel, exit: RunnerExit): void {
    if (model.state === 'closing' || model.state === 'gone') return;
    const fields = { model: model.displayName, pid: model.runner?.pid, ...exit };
    if (exit.expected) this.#log.info(fields, 'runner exited');
    else this.#log.warn(fields, 'runner exited unexpectedly');
    if (this.#models.get(model.key) === model) this.#models.delete(model.key);
    model.markGone();
    this.#kick();
  }

  // ── Scheduling passes and loads ───────────────────────────────────────────────────────────────────────────

  /** Run a scheduling pass soon; passes never overlap, a request during one runs another after it. */
  #kick(): void {
    if (this.#closing) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        await this.#pass();
      } while (this.#pumpAgain && !this.#closing);
    } catch (err) {
      // #pass settles expected failures on the waiter concerned; anything reaching here is a bug, logged loudly.
      this.#log.error({ err }, 'scheduling pass failed');
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Walk the queue in order: grant on loaded runners, start loads that fit, evict for the first one that does not.
   * After a `wait` or `evict`, later requests may still use loaded runners but start no load: they must not take
   * the memory the earlier request is waiting for (Ollama serialises loads the same way).
   */
  async #pass(): Promise<void> {
    let loadsBlocked = false;
    for (const waiter of this.#queue) {
      if (this.#closing) return;
      const model = this.#models.get(waiter.key);
      if (model) {
        if (model.state === 'ready') this.#serveWaiting(model);
        continue;
      }
      if (loadsBlocked) continue;
      const plan = await this.#plan(waiter);
      if (this.#closing || waiter.settled || this.#models.has(waiter.key) || plan === undefined) continue;
      if (plan.kind === 'load') this.#startLoad(waiter);
      else if (plan.kind === 'never') this.#rejectWaiter(waiter, plan.reason);
      else {
        loadsBlocked = true;
        if (plan.kind === 'evict') this.#evict(plan.victims);
      }
    }
  }

  /** Where the waiter's model would fit; `undefined` (waiter rejected) when memory cannot be read. */
  async #plan(waiter: Waiter): Promise<LoadPlan | undefined> {
    let memory: { freeBytes: number; totalBytes: number };
    try {
      memory = await this.#options.memory.available();
    } catch (err) {
      this.#queue.delete(waiter);
      waiter.reject(new AppError('INTERNAL', 'could not read available memory', { cause: err }));
      return undefined;
    }
    const loaded = [...this.#models.values(), ...this.#retiring].map((m) => m.facts());
    const held = loaded.reduce((total, r) => total + r.bytes, 0);
    return planLoad({
      need: waiter.needBytes,
      free: Math.max(0, Math.min(memory.freeBytes, memory.totalBytes - held)),
      total: memory.totalBytes,
      loaded,
      maxLoaded: this.#maxLoaded,
      threads: { budget: this.#options.coreBudget, need: 1 },
    });
  }

  #rejectWaiter(waiter: Waiter, reason: string): void {
    const { displayName, contextSize } = waiter.request;
    this.#queue.delete(waiter);
    this.#log.warn({ model: displayName, bytes: waiter.needBytes, reason }, 'model does not fit in memory');
    waiter.reject(
      new AppError(
        'INSUFFICIENT_MEMORY',
        `model ${displayName} needs ${formatBytes(waiter.needBytes)} at context size ${contextSize}, ` +
          'more than the memory available to Corral',
        { details: { needBytes: waiter.needBytes, reason } },
      ),
    );
  }

  #evict(victims: readonly string[]): void {
    for (const model of [...this.#models.values()]) {
      if (!victims.includes(model.id)) continue;
      this.#log.info({ model: model.displayName }, 'evicting idle model to make room');
      void this.#retire(model);
    }
  }

  #startLoad(waiter: Waiter): void {
    const { request } = waiter;
    const { numParallel, coreBudget } = this.#options;
    const held = [...this.#models.values(), ...this.#retiring].map((m) => ({ threads: m.spec.threads }));
    const threads = assignThreads({ coreBudget, runners: held, requested: request.threads, maxRunners: this.#maxLoaded });
    const spec = {
      modelPath: request.modelPath,
      adapters: request.adapters,
      contextSize: request.contextSize,
      parallel: numParallel,
      threads: Math.max(1, threads),
      gpu: this.#options.gpu ?? 'auto',
      useMmap: this.#options.useMmap ?? true,
    };
    const keepAliveMs = request.keepAliveMs ?? this.#options.defaultKeepAliveMs;
    const model = new LoadedModel(request.modelKey, request.displayName, spec, waiter.needBytes, keepAliveMs, this.#clock.now());
    this.#models.set(model.key, model);
    this.#log.info({ model: model.displayName, contextSize: spec.contextSize, threads: spec.threads, bytes: waiter.needBytes }, 'loading model');
    const load = this.#runLoad(model);
    this.#loads.add(load);
    void load.then(() => this.#loads.delete(load));
  }

  /** Load a model and serve its waiters; on failure reject all of them with the load's error. Never rejects. */
  async #runLoad(model: LoadedModel): Promise<void> {
    const started = this.#clock.now();
    try {
      const runner = await loadRunner(this.#options.runnerFactory, model.spec, {
        timeoutMs: this.#options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
        clock: this.#clock,
        signal: model.loadAbort.signal,
        onLateRunner: (late) => this.#closeLate(late),
      });
      model.runner = runner;
      model.state = 'ready';
      void runner.exited.then(
        (exit) => this.#onExit(model, exit),
        (err: unknown) => this.#log.warn({ model: model.displayName, err }, 'runner exit watch failed'),
      );
      const { ramBytes, contextSize, threads } = runner.info;
      const ms = this.#clock.now() - started;
      this.#log.info({ model: model.displayName, pid: runner.pid, ms, ramBytes, contextSize, threads }, 'model loaded');
      this.#serveWaiting(model);
      if (model.state === 'ready' && model.refCount === 0) this.#goIdle(model);
    } catch (err) {
      const error = isAppError(err) ? err : new AppError('RUNNER_FAILED', 'model load failed', { cause: err });
      this.#log.warn({ model: model.displayName, code: error.code, err: error.message }, 'model load failed');
      if (this.#models.get(model.key) === model) this.#models.delete(model.key);
      model.markGone();
      for (const waiter of this.#queue) {
        if (waiter.key !== model.key) continue;
        this.#queue.delete(waiter);
        waiter.reject(error);
      }
    } finally {
      model.markLoadSettled();
      this.#kick();
    }
  }

  /** Close a runner that finished loading after its load was abandoned. */
  #closeLate(runner: { close(): Promise<void>; pid: number | undefined }): void {
    void runner.close().catch((err: unknown) => this.#log.warn({ pid: runner.pid, err }, 'runner close failed'));
  }
}
