/**
 * In-flight blob downloads, deduplicated by digest (Ollama's `blobDownloadManager`): the second pull of a blob
 * joins the running download instead of starting another, so each blob is fetched once. Waiters are counted;
 * when the last one leaves (its client went away, or its pull was cancelled) the download stops and keeps its
 * partial data for a later resume. A stopping download is awaited before the same digest starts again, so two
 * downloads never write one partial file.
 */
import { AppError, type Logger } from '../../core/index.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import { BlobDownload } from './blob-download.js';
import type { PartialBlobs } from './partial-blobs.js';
import type { RangeSource } from './range-source.js';
import type { RetryPolicy } from './retry.js';
import { untilAborted } from './until-aborted.js';

/** A blob to fetch. */
export interface BlobRequest {
  digest: string;
  size: number;
  /** Where the bytes come from, in the order to try them (mirrors, then the origin). */
  sources: readonly RangeSource[];
}

/** How a caller waits. */
export interface BlobWaitOptions {
  signal?: AbortSignal;
  /** Called every `intervalMs` and at the end with bytes completed (resumed bytes included). */
  onProgress?: (completed: number, total: number) => void;
  intervalMs?: number;
}

/** Options of {@link BlobDownloads}. */
export interface BlobDownloadsOptions {
  partials: PartialBlobs;
  /** Move a verified file into the store. */
  commit: (digest: string, path: string) => Promise<void>;
  maxParts: number;
  retry?: RetryPolicy;
  checkpointMs?: number;
  /** One limit shared by every download (`CORRAL_PULL_MAX_BPS`). */
  limiter?: BandwidthLimiter;
  /** Restart a part that receives nothing for this long (`CORRAL_PULL_STALL_TIMEOUT`). */
  stallMs?: number;
  log: Logger;
}

interface Entry {
  download: BlobDownload;
  done: Promise<void>;
  waiters: number;
}

/** The registry of running downloads. */
export class BlobDownloads {
  readonly #o: BlobDownloadsOptions;
  readonly #active = new Map<string, Entry>();
  readonly #stopping = new Map<string, Promise<void>>();

  constructor(options: BlobDownloadsOptions) {
    this.#o = options;
  }

  /** Bytes completed of a running download, `undefined` when none runs. */
  progress(digest: string): number | undefined {
    return this.#active.get(digest)?.download.completed;
  }

  /** Fetch a blob into the store, or join its running download. Resolves once the blob is committed. */
  async fetch(req: BlobRequest, options: BlobWaitOptions = {}): Promise<void> {
    await this.#stopping.get(req.digest);
    options.signal?.throwIfAborted();
    const entry = this.#active.get(req.digest) ?? this.#start(req);
    entry.waiters++;
    const report = () => options.onProgress?.(entry.download.completed, req.size);
    const timer = options.onProgress ? setInterval(report, options.intervalMs ?? 100) : undefined;
    try {
      report();
      await untilAborted(entry.done, options.signal);
      report();
    } finally {
      clearInterval(timer);
      entry.waiters--;
      if (entry.waiters === 0)
        this.#stop(req.digest, new AppError('CANCELLED', 'the pull was cancelled'), entry);
    }
  }

  /** Stop the download of `digest` whoever waits for it, and remove its partial data. */
  async discard(digest: string): Promise<void> {
    this.#stop(digest, new AppError('CANCELLED', 'the pull was cancelled'));
    await this.#stopping.get(digest);
    await this.#o.partials.remove(digest);
  }

  /** Stop every download (partial data is kept) and wait for them. */
  async close(): Promise<void> {
    for (const digest of [...this.#active.keys()]) {
      this.#stop(digest, new AppError('CANCELLED', 'the server is shutting down'));
    }
    await Promise.allSettled([...this.#stopping.values()]);
  }

  #start(req: BlobRequest): Entry {
    const { commit, ...shared } = this.#o;
    const download = new BlobDownload({ ...shared, ...req, commit: (path) => commit(req.digest, path) });
    const done = download.run().finally(() => {
      if (this.#active.get(req.digest)?.download === download) this.#active.delete(req.digest);
    });
    done.catch(() => undefined); // every waiter receives the failure through untilAborted
    const entry: Entry = { download, done, waiters: 0 };
    this.#active.set(req.digest, entry);
    return entry;
  }

  #stop(digest: string, reason: Error, only?: Entry): void {
    const entry = this.#active.get(digest);
    if (entry === undefined || (only !== undefined && entry !== only)) return;
    this.#active.delete(digest);
    entry.download.abort(reason);
    const settled = entry.done.then(
      () => undefined,
      () => undefined,
    );
    this.#stopping.set(digest, settled);
    void settled.then(() => {
      if (this.#stopping.get(digest) === settled) this.#stopping.delete(digest);
    });
  }
}
