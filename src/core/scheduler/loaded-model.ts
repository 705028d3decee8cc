/** The scheduler's record of one runner, from the start of its load to its exit. Internal to the scheduler. */
import type { Runner, RunnerLoadSpec } from '../runner.js';
import { deferred } from './deferred.js';
import type { LoadedFacts } from './plan-load.js';
import type { AcquireRequest, LoadedModelStatus } from './types.js';

/**
 * `loading` → `ready` ⇄ (`draining`: no new leases, closes once idle) → `closing` (close requested, memory still
 * held) → `gone`. A load failure or an unexpected exit goes straight to `gone`.
 */
export type ModelState = 'loading' | 'ready' | 'draining' | 'closing' | 'gone';

let nextId = 0;

/** Mutable state of one runner; the scheduler is its only writer. */
export class LoadedModel {
  /** Unique across reloads of the same model key. */
  readonly id = `runner-${++nextId}`;
  state: ModelState = 'loading';
  runner: Runner | undefined;
  refCount = 0;
  /** When the last lease was granted or released. */
  lastUsed: number;
  /** Unload deadline of an idle model; `null`: never; `undefined`: not idle. */
  expiresAt: number | null | undefined;
  /** Cancels the keep-alive timer. */
  cancelTimer: (() => void) | undefined;
  /** Aborts the load (scheduler closing). */
  readonly loadAbort = new AbortController();
  readonly #settled = deferred();
  readonly #gone = deferred();

  constructor(
    readonly key: string,
    readonly displayName: string,
    readonly spec: RunnerLoadSpec,
    /** Bytes reserved from the estimate until the runner reports its own. */
    readonly estimateBytes: number,
    public keepAliveMs: number,
    now: number,
  ) {
    this.lastUsed = now;
  }

  /** Resolves when the load has succeeded or failed. */
  get loadSettled(): Promise<void> {
    return this.#settled.promise;
  }

  /** Resolves when the runner has ended and its memory is back. */
  get whenGone(): Promise<void> {
    return this.#gone.promise;
  }

  markLoadSettled(): void {
    this.#settled.resolve();
  }

  markGone(): void {
    this.clearTimer();
    this.state = 'gone';
    this.#gone.resolve();
  }

  clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.expiresAt = undefined;
  }

  /**
   * Whether this runner can serve `request` as loaded: same weights, adapters and draft model, and a context at least
   * as large. A larger context, or a draft model re-created under its name, are the reasons to reload a model under
   * the same key (the key covers the adapters and the draft's name, not the draft's weights).
   */
  serves(request: AcquireRequest): boolean {
    const { spec } = this;
    return (
      request.contextSize <= spec.contextSize &&
      request.modelPath === spec.modelPath &&
      request.adapters.length === spec.adapters.length &&
      request.adapters.every(
        (a, i) => a.path === spec.adapters[i]?.path && a.scale === spec.adapters[i]?.scale,
      ) &&
      request.draft?.modelPath === spec.draft?.modelPath &&
      request.draft?.minConfidence === spec.draft?.minConfidence
    );
  }

  /**
   * Bytes of RAM to plan with: the estimate, or what the runner reports once loaded when that is more. Never less
   * than the estimate: a runner may not count memory-mapped weights, and the estimate is what was judged to fit.
   */
  get bytes(): number {
    return Math.max(this.estimateBytes, this.runner?.info.ramBytes ?? 0);
  }

  /** This runner as {@link planLoad} sees it. */
  facts(): LoadedFacts {
    return {
      id: this.id,
      bytes: this.bytes,
      threads: this.spec.threads,
      busy: this.refCount > 0 || this.state === 'draining',
      lastUsed: this.lastUsed,
      pinned: this.state !== 'ready',
      kept: this.keepAliveMs === Infinity,
      name: this.displayName,
    };
  }

  /** The `ps` row; `undefined` while loading or after the runner is gone. */
  status(now: number): LoadedModelStatus | undefined {
    const runner = this.runner;
    if (!runner || (this.state !== 'ready' && this.state !== 'draining')) return undefined;
    const { info } = runner;
    const sizeBytes = info.ramBytes + info.vramBytes;
    const expiresAt =
      this.expiresAt !== undefined
        ? this.expiresAt
        : this.keepAliveMs === Infinity
          ? null
          : now + this.keepAliveMs;
    return {
      modelKey: this.key,
      displayName: this.displayName,
      modelPath: this.spec.modelPath,
      sizeBytes: sizeBytes > 0 ? sizeBytes : this.estimateBytes,
      vramBytes: info.vramBytes,
      contextSize: info.contextSize > 0 ? info.contextSize : this.spec.contextSize,
      threads: info.threads > 0 ? info.threads : this.spec.threads,
      expiresAt: expiresAt === null ? null : new Date(expiresAt),
      activeRequests: this.refCount,
      pid: runner.pid,
    };
  }
}
