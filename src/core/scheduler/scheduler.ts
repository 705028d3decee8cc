/**
 * The scheduler: hands out runners to requests, loading models when needed, sharing a loaded runner between up to
 * `numParallel` requests, evicting idle models to make room, and unloading them when their keep-alive expires.
 * Shaped after Ollama's `server/sched.go`, as one event-driven state machine instead of goroutines and channels:
 * every event (acquire, release, load done, runner exit, timer) updates the state and runs a scheduling pass.
 * Decisions live in pure functions: {@link planLoad} (memory fit), {@link assignThreads} (core budget); the
 * runners' life (load, keep-alive, close, crash) lives in {@link RunnerPool}.
 */
import { formatBytes } from '../../lib/bytes.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { assignThreads } from './assign-threads.js';
import { checkOptions, checkRequest } from './check-request.js';
import { type Clock, systemClock } from './clock.js';
import type { LoadedModel } from './loaded-model.js';
import { type LoadPlan, planLoad } from './plan-load.js';
import { RunnerPool } from './runner-pool.js';
import type { AcquireRequest, Lease, LoadedModelStatus, ModelCacheUsage, SchedulerOptions } from './types.js';
import { Waiter } from './waiter.js';

const DEFAULT_LOAD_TIMEOUT_MS = 5 * 60_000;

/** Hands out leases on runners; see the module comment. Close it to stop every runner it started. */
export class Scheduler implements AsyncDisposable {
  readonly #options: SchedulerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #pool: RunnerPool;
  /** Runners may not exceed the count limit nor hold less than one core each. */
  readonly #maxLoaded: number;
  /** Waiting requests in arrival order. */
  readonly #queue = new Set<Waiter>();
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
    this.#pool = new RunnerPool({
      factory: options.runnerFactory,
      clock: this.#clock,
      log: options.log,
      loadTimeoutMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      observer: options.observer,
      hooks: {
        onCapacity: (model) => this.#serveWaiting(model),
        onLoadFailed: (model, error) => this.#failWaiters(model.key, error),
        onChange: () => this.#kick(),
      },
    });
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
    const model = this.#pool.get(request.modelKey);
    if (model && this.#canGrant(model, request) && !this.#hasWaiters(request.modelKey)) {
      return this.#pool.grant(model, request);
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

  /** Requests waiting for a runner now (for metrics). */
  get waiting(): number {
    return this.#queue.size;
  }

  /** The loaded models (Ollama's `/api/ps`), in load order. */
  ps(): LoadedModelStatus[] {
    const now = this.#clock.now();
    return this.#pool.current().flatMap((model) => model.status(now) ?? []);
  }

  /**
   * The KV-cache use of every model `ps` lists, asked of the runners now (for metrics). A runner that cannot answer
   * (ending, or too busy to reply in time) is logged and left out: the others are still worth reporting.
   */
  async cacheUsage(): Promise<ModelCacheUsage[]> {
    const now = this.#clock.now();
    const models = this.#pool
      .current()
      .flatMap((model) => (model.runner && model.status(now) ? [{ model, runner: model.runner }] : []));
    const answers = await Promise.allSettled(models.map(({ runner }) => runner.cacheUsage()));
    return models.flatMap(({ model }, i): ModelCacheUsage[] => {
      const answer = answers[i];
      if (answer?.status === 'fulfilled')
        return [{ modelKey: model.key, displayName: model.displayName, ...answer.value }];
      const err = answer?.reason as unknown;
      this.#log.warn({ err, model: model.displayName }, 'kv cache usage not read');
      return [];
    });
  }

  /**
   * Unload a model now. Waits until its leases are released (no new ones are granted meanwhile), or with `force`
   * closes it at once, failing the requests it serves. Resolves `false` when the model was not loaded.
   */
  async unload(modelKey: string, options: { force?: boolean } = {}): Promise<boolean> {
    let model = this.#pool.get(modelKey);
    if (model?.state === 'loading') {
      await model.loadSettled;
      model = this.#pool.get(modelKey);
    }
    if (!model || model.state === 'loading') return false;
    this.#log.info({ model: model.displayName, force: options.force === true }, 'unloading model');
    if (options.force || model.refCount === 0) await this.#pool.retire(model);
    else {
      this.#pool.drain(model);
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
    await this.#pool.closeAll();
    this.#log.info({}, 'scheduler closed');
  }

  // ── Serving waiters ───────────────────────────────────────────────────────────────────────────────────────

  #canGrant(model: LoadedModel, request: AcquireRequest): boolean {
    return model.state === 'ready' && model.refCount < this.#options.numParallel && model.serves(request);
  }

  #hasWaiters(modelKey: string): boolean {
    for (const waiter of this.#queue) if (waiter.key === modelKey) return true;
    return false;
  }

  /** Hand a model to the requests waiting for it, in order, as far as its capacity goes. */
  #serveWaiting(model: LoadedModel): void {
    for (const waiter of this.#queue) {
      if (waiter.key !== model.key) continue;
      if (model.state !== 'ready' || model.refCount >= this.#options.numParallel) return;
      if (!model.serves(waiter.request)) {
        // A larger context: reload once idle. Requests behind this one wait for the new runner, not overtake it.
        this.#pool.drain(model);
        return;
      }
      this.#queue.delete(waiter);
      waiter.resolve(this.#pool.grant(model, waiter.request));
    }
  }

  #failWaiters(modelKey: string, error: AppError): void {
    for (const waiter of this.#queue) {
      if (waiter.key !== modelKey) continue;
      this.#queue.delete(waiter);
      waiter.reject(error);
    }
  }

  // ── Scheduling passes ─────────────────────────────────────────────────────────────────────────────────────

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
      const model = this.#pool.get(waiter.key);
      if (model) {
        if (model.state === 'ready') this.#serveWaiting(model);
        continue;
      }
      if (loadsBlocked) continue;
      const plan = await this.#plan(waiter);
      if (this.#closing || waiter.settled || this.#pool.get(waiter.key) || plan === undefined) continue;
      if (plan.kind === 'load') this.#startLoad(waiter);
      else if (plan.kind === 'never') this.#rejectTooLarge(waiter, plan.reason);
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
    const loaded = this.#pool.holding().map((m) => m.facts());
    const held = loaded.reduce((total, r) => total + r.bytes, 0);
    return planLoad({
      need: waiter.needBytes,
      // The probe may not see what runners hold (a fixed cap; mapped weights count as available), so the budget
      // minus their bytes bounds it too.
      free: Math.max(0, Math.min(memory.freeBytes, memory.totalBytes - held)),
      total: memory.totalBytes,
      loaded,
      maxLoaded: this.#maxLoaded,
      threads: { budget: this.#options.coreBudget, need: 1 },
    });
  }

  #rejectTooLarge(waiter: Waiter, reason: string): void {
    const { displayName, contextSize } = waiter.request;
    const needBytes = waiter.needBytes;
    this.#queue.delete(waiter);
    this.#log.warn({ model: displayName, bytes: needBytes, reason }, 'model does not fit in memory');
    const message =
      `model ${displayName} needs ${formatBytes(needBytes)} at context size ${contextSize}, ` +
      `more than the memory available to Corral: ${reason}`;
    waiter.reject(new AppError('INSUFFICIENT_MEMORY', message, { details: { needBytes, reason } }));
  }

  #evict(victims: readonly string[]): void {
    for (const model of this.#pool.current()) {
      if (!victims.includes(model.id)) continue;
      this.#log.info({ model: model.displayName }, 'evicting idle model to make room');
      void this.#pool.retire(model);
    }
  }

  #startLoad(waiter: Waiter): void {
    const { request } = waiter;
    const { numParallel, coreBudget, defaultKeepAliveMs } = this.#options;
    const runners = this.#pool.holding().map((m) => ({ threads: m.spec.threads }));
    const threads = assignThreads({
      coreBudget,
      runners,
      requested: request.threads,
      maxRunners: this.#maxLoaded,
    });
    const spec = {
      modelPath: request.modelPath,
      adapters: request.adapters,
      contextSize: request.contextSize,
      parallel: numParallel,
      threads: Math.max(1, threads),
      gpu: this.#options.gpu ?? 'auto',
      useMmap: this.#options.useMmap ?? true,
      ...(request.draft && { draft: request.draft }),
    };
    const keepAliveMs = request.keepAliveMs ?? defaultKeepAliveMs;
    this.#pool.load(request.modelKey, request.displayName, spec, waiter.needBytes, keepAliveMs);
  }
}
