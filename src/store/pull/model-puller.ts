/**
 * Pulls models into the store from Ollama-style registries and Hugging Face (`POST /api/pull`, `corral pull`).
 * In-flight work is deduplicated twice: requests for one model share one {@link PullTask}, and pulls of one blob
 * share one download. Pulls are recorded durably under `<models>/pulls/`, so `list()` shows running,
 * interrupted and failed pulls after a restart, and pulling again resumes from the partial data. One bandwidth
 * limiter is shared by every download of the puller (so by the server), and one stall timeout covers both the
 * HTTP client's wait for answers and each part's body.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, type Logger, type ModelName, parseModelName, silentLogger } from '../../core/index.js';
import { commitTempFile } from '../atomic-file.js';
import type { ModelStore } from '../model-store.js';
import { BlobDownloads } from './blob-downloads.js';
import { BandwidthLimiter } from './bandwidth-limiter.js';
import { type FreeBytes, statfsFreeBytes } from './disk-space.js';
import { HttpClient } from './http-client.js';
import { HuggingFaceClient } from './hugging-face.js';
import { PartialBlobs } from './partial-blobs.js';
import type { PullContext, PullProgress } from './pull-job.js';
import { type PullRecord, PullRecords, type PullState } from './pull-records.js';
import { PullTask } from './pull-task.js';
import { RegistryClient } from './registry-client.js';
import type { RetryPolicy } from './retry.js';

/** Options of {@link ModelPuller.open}. */
export interface ModelPullerOptions {
  store: ModelStore;
  /** Most parallel ranged requests per blob (`CORRAL_PULL_PARTS`, default 4). */
  maxParts?: number;
  /** Hugging Face endpoint (`CORRAL_HF_ENDPOINT`) and token (`HF_TOKEN`). */
  hfEndpoint?: string;
  hfToken?: string;
  log?: Logger;
  /** Free-space probe (tests simulate a full disk with it). */
  freeBytes?: FreeBytes;
  retry?: RetryPolicy;
  /** Journal checkpoint interval (default 500 ms). */
  checkpointMs?: number;
  /**
   * A request with no answer, or a part receiving no byte, for this long is retried (`CORRAL_PULL_STALL_TIMEOUT`,
   * default 30 s). Time a part spends paused by the bandwidth limit does not count.
   */
  stallTimeoutMs?: number;
  /** Server-wide download limit in bytes per second (`CORRAL_PULL_MAX_BPS`); 0 or absent: unlimited. */
  maxBytesPerSecond?: number;
  /** Mirrors of the default registry, tried in order before it (`CORRAL_REGISTRY_MIRRORS`). */
  registryMirrors?: readonly string[];
  /** The registry host the mirrors stand in for (default `registry.ollama.ai`; tests name a local one). */
  mirrorOf?: string;
  /** Most models pulled at once; more fail with `QUEUE_FULL` (default 16). */
  maxActive?: number;
}

/** How one caller pulls. */
export interface PullOptions {
  /** Allow plain HTTP to the registry. */
  insecure?: boolean;
  /** Leaving: the pull stops when no other caller follows it (its partial data is kept). */
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

/** A pull as `GET /api/pulls` lists it. */
export interface PullStatus {
  /** Full model name (`host/namespace/model:tag`). */
  model: string;
  state: PullState;
  total: number;
  completed: number;
  startedAt: string;
  updatedAt: string;
  error?: string;
}

/** The puller. */
export class ModelPuller {
  readonly #ctx: PullContext;
  readonly #records: PullRecords;
  readonly #http: HttpClient;
  readonly #tasks = new Map<string, PullTask>();
  readonly #maxActive: number;
  #closed = false;

  private constructor(options: ModelPullerOptions, http: HttpClient, records: PullRecords, ctx: PullContext) {
    this.#http = http;
    this.#records = records;
    this.#ctx = ctx;
    this.#maxActive = options.maxActive ?? 16;
  }

  /** Build a puller over `store` and clean partial data that no recorded pull needs any more. */
  static async open(options: ModelPullerOptions): Promise<ModelPuller> {
    const { store, retry } = options;
    const log = options.log ?? silentLogger;
    const stallMs = options.stallTimeoutMs ?? 30_000;
    const http = new HttpClient({ idleTimeoutMs: stallMs });
    const bps = options.maxBytesPerSecond ?? 0;
    const partials = new PartialBlobs(join(store.root, 'pulls', 'blobs'), log);
    const records = new PullRecords(join(store.root, 'pulls', 'models'), log);
    await partials.init();
    await records.init();
    const downloads = new BlobDownloads({
      partials,
      maxParts: options.maxParts ?? 4,
      retry,
      checkpointMs: options.checkpointMs,
      limiter: bps > 0 ? new BandwidthLimiter(bps) : undefined,
      stallMs,
      log,
      commit: async (digest, path) => {
        const lease = await store.beginWrite();
        try {
          if (await lease.hasBlob(digest)) await rm(path, { force: true });
          else await commitTempFile(path, store.blobPath(digest));
        } finally {
          lease.release();
        }
      },
    });
    const ctx: PullContext = {
      store,
      downloads,
      partials,
      registry: new RegistryClient(http, {
        retry,
        mirrors: options.registryMirrors,
        mirrorOf: options.mirrorOf,
        log,
      }),
      huggingFace: new HuggingFaceClient(http, {
        endpoint: options.hfEndpoint ?? 'https://huggingface.co',
        token: options.hfToken,
        retry,
      }),
      freeBytes: options.freeBytes ?? statfsFreeBytes,
      log,
    };
    const puller = new ModelPuller(options, http, records, ctx);
    await puller.#removeOrphans();
    return puller;
  }

  /** Pull `model` (or join its running pull). Resolves when it is in the store. */
  async pull(model: string, options: PullOptions = {}): Promise<void> {
    if (this.#closed) throw new AppError('CANCELLED', 'the server is shutting down');
    const { name, insecure } = parseTarget(model, options.insecure ?? false);
    let task = this.#tasks.get(name.key);
    if (task === undefined || task.settled) {
      if (this.#tasks.size >= this.#maxActive) {
        throw new AppError('QUEUE_FULL', `${this.#maxActive} models are being pulled already; retry later`);
      }
      task = new PullTask(name, insecure, this.#ctx, this.#records, (t) =>
        this.#discardData(t.name, t.layers),
      );
      const started = task;
      this.#tasks.set(name.key, started);
      void started.done
        .finally(() => this.#tasks.get(name.key) === started && this.#tasks.delete(name.key))
        .catch(() => undefined);
    }
    await task.follow(options.signal, options.onProgress);
  }

  /** Cancel the pull of `model`, running or interrupted, and remove its partial data. Throws `PULL_NOT_FOUND`. */
  async cancel(model: string): Promise<void> {
    const { name } = parseTarget(model, true);
    const task = this.#tasks.get(name.key);
    if (task !== undefined) {
      task.discard = true;
      task.abort(new AppError('CANCELLED', `the pull of ${name.display} was cancelled`));
      await task.done.catch(() => undefined);
      return;
    }
    const record = await this.#records.get(name);
    if (record === undefined) {
      throw new AppError('PULL_NOT_FOUND', `no pull of ${name.display} is in progress or interrupted`);
    }
    await this.#records.remove(name);
    await this.#discardData(name, record.layers);
  }

  /** Every recorded pull with its progress: running ones live, others from their journals. */
  async list(): Promise<PullStatus[]> {
    const out: PullStatus[] = [];
    for (const r of await this.#records.list()) out.push(await this.#status(r));
    return out;
  }

  /** Stop every pull (they stay resumable) and close connections. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const tasks = [...this.#tasks.values()];
    for (const t of tasks) t.abort(new AppError('CANCELLED', 'the server is shutting down'));
    await Promise.allSettled(tasks.map((t) => t.done));
    await this.#ctx.downloads.close();
    this.#http.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #status(r: PullRecord): Promise<PullStatus> {
    const { store, downloads, partials } = this.#ctx;
    const running = this.#tasks.has(parseModelName(r.model).key);
    let completed = 0;
    for (const { digest, size } of r.layers) {
      completed += (await store.hasBlob(digest))
        ? size
        : (downloads.progress(digest) ?? (await partials.completed(digest)));
    }
    const total = r.layers.reduce((sum, l) => sum + l.size, 0);
    const state: PullState = running ? 'pulling' : r.state === 'pulling' ? 'interrupted' : r.state;
    const { model, startedAt, updatedAt, error } = r;
    return {
      model,
      state,
      total,
      completed,
      startedAt,
      updatedAt,
      ...(error === undefined ? {} : { error }),
    };
  }

  // Partial data of a cancelled pull goes, unless another running pull needs the same blob.
  async #discardData(name: ModelName, layers: Array<{ digest: string }>): Promise<void> {
    for (const { digest } of layers) {
      const shared = [...this.#tasks.values()].some(
        (t) => !t.name.equals(name) && t.layers.some((l) => l.digest === digest),
      );
      if (!shared) await this.#ctx.downloads.discard(digest);
    }
  }

  // Partial blobs no recorded pull names (a pull cancelled while the server was down) or already stored.
  async #removeOrphans(): Promise<void> {
    const wanted = new Set((await this.#records.list()).flatMap((r) => r.layers.map((l) => l.digest)));
    for (const digest of await this.#ctx.partials.list()) {
      if (!wanted.has(digest) || (await this.#ctx.store.hasBlob(digest)))
        await this.#ctx.partials.remove(digest);
    }
  }
}

/** Parse a pull target: a model name, optionally `http://`-prefixed (only allowed when insecure). */
export function parseTarget(model: string, insecure: boolean): { name: ModelName; insecure: boolean } {
  if (/^http:\/\//i.test(model) && !insecure) {
    throw new AppError('INVALID_REQUEST', `${model}: plain HTTP registries need insecure (--insecure)`);
  }
  return { name: parseModelName(model), insecure };
}
