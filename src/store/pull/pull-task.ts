/**
 * One running model pull, shared by every request that asks for the same model: each request subscribes to its
 * progress (a late one first gets the latest line of each status) and the pull stops when the last one leaves.
 * Its durable record says `pulling` while it runs, and `interrupted` or `failed` when it stops without success.
 */
import { AppError, type Logger, type ModelName } from '../../core/index.js';
import { isHuggingFaceName } from './hugging-face.js';
import type { LayerRef, PullContext, PullJob, PullProgress } from './pull-job.js';
import type { PullRecord, PullRecords } from './pull-records.js';
import { pullFromHuggingFace } from './pull-hugging-face.js';
import { pullFromRegistry } from './pull-registry.js';
import { untilAborted } from './until-aborted.js';

/** A pull in progress. */
export class PullTask {
  readonly name: ModelName;
  readonly insecure: boolean;
  /** Settles when the pull is over. */
  readonly done: Promise<void>;
  /** Set by a cancel: the pull's partial data is removed, not kept for a resume. */
  discard = false;
  /** True once the pull is over (set before {@link done} settles). */
  settled = false;
  #record: PullRecord;
  readonly #abort = new AbortController();
  readonly #listeners = new Set<(p: PullProgress) => void>();
  readonly #last = new Map<string, PullProgress>();
  #waiters = 0;

  constructor(
    name: ModelName,
    insecure: boolean,
    ctx: PullContext,
    records: PullRecords,
    onDiscard: (t: PullTask) => Promise<void>,
  ) {
    this.name = name;
    this.insecure = insecure;
    const now = new Date().toISOString();
    this.#record = {
      model: name.toString(),
      insecure,
      state: 'pulling',
      startedAt: now,
      updatedAt: now,
      layers: [],
    };
    this.done = this.#run(ctx, records, onDiscard);
    this.done.catch(() => undefined); // waiters receive the failure through their own await
  }

  /** The blobs this pull needs (known once its manifest arrived). */
  get layers(): LayerRef[] {
    return this.#record.layers;
  }

  /** Follow the pull until it ends; leaving (signal) stops it when no one else follows it. */
  async follow(
    signal: AbortSignal | undefined,
    onProgress: ((p: PullProgress) => void) | undefined,
  ): Promise<void> {
    if (onProgress) {
      for (const p of this.#last.values()) onProgress(p);
      this.#listeners.add(onProgress);
    }
    this.#waiters++;
    try {
      await untilAborted(this.done, signal);
    } finally {
      if (onProgress) this.#listeners.delete(onProgress);
      if (--this.#waiters === 0)
        this.abort(new AppError('CANCELLED', `the pull of ${this.name.display} was interrupted`));
    }
  }

  /** Stop the pull (it rejects with `reason`). */
  abort(reason: Error): void {
    this.#abort.abort(reason);
  }

  async #run(
    ctx: PullContext,
    records: PullRecords,
    onDiscard: (t: PullTask) => Promise<void>,
  ): Promise<void> {
    const started = Date.now();
    const log: Logger = ctx.log;
    const job: PullJob = {
      name: this.name,
      insecure: this.insecure,
      signal: this.#abort.signal,
      emit: (p) => this.#emit(p),
      setLayers: async (layers) => {
        this.#record = { ...this.#record, layers, updatedAt: new Date().toISOString() };
        await records.put(this.name, this.#record);
      },
    };
    try {
      await records.put(this.name, this.#record);
      await (isHuggingFaceName(this.name) ? pullFromHuggingFace : pullFromRegistry)(ctx, job);
      await records.remove(this.name);
      log.info({ model: this.name.toString(), ms: Date.now() - started }, 'pull complete');
    } catch (err) {
      const reason: unknown = this.#abort.signal.aborted ? this.#abort.signal.reason : err;
      const state = this.#abort.signal.aborted ? 'interrupted' : 'failed';
      const error = reason instanceof Error ? reason.message : String(reason);
      log.info({ model: this.name.toString(), state, error }, 'pull stopped');
      if (this.discard || this.#record.layers.length === 0) {
        // Cancelled, or stopped before its manifest arrived (not found, refused, offline): nothing to resume.
        await records.remove(this.name);
        if (this.discard) await onDiscard(this);
      } else {
        await records.put(this.name, { ...this.#record, state, error, updatedAt: new Date().toISOString() });
      }
      throw reason;
    } finally {
      this.settled = true;
    }
  }

  #emit(p: PullProgress): void {
    const prev = this.#last.get(p.status);
    if (prev && prev.completed === p.completed && prev.total === p.total) return;
    this.#last.set(p.status, p);
    for (const listener of this.#listeners) listener(p);
  }
}
