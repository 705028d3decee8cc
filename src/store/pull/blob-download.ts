/**
 * One blob download (Ollama `download.go` `blobDownload`): resume from the journal or plan fresh parts, fetch the
 * missing parts in parallel (each retried with backoff from where it stopped), hash the file in order as it
 * fills, and only when the sha256 matches hand the file to `commit`, which moves it into the store. Progress is
 * checkpointed to the journal every `checkpointMs` (fsync first, then the journal) and when the download stops,
 * so a SIGKILL loses at most one interval of bytes. A digest mismatch deletes the partial data.
 *
 * A blob may have several sources (registry mirrors, then the origin): when one fails for good (its retries ran
 * out, it has no such blob, or its bytes do not match the digest) the download goes on from the next, resuming
 * the bytes already written unless they were the corrupt ones. Which source served the blob is logged.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { AppError, isAppError, type Logger } from '../../core/index.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import { type BlobWriter, createBlobWriter } from './blob-writer.js';
import { fetchPart } from './fetch-part.js';
import { completedBytes, contiguousEnd, type Part, planParts } from './part-plan.js';
import type { PartialBlobs } from './partial-blobs.js';
import type { RangeSource } from './range-source.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';
import { allSourcesFailed, fallbackPolicy, isSourceFailure, type SourceFailure } from './source-fallback.js';

/** What a download needs. */
export interface BlobDownloadOptions {
  digest: string;
  size: number;
  /** Where the bytes come from, in the order to try them (at least one). */
  sources: readonly RangeSource[];
  partials: PartialBlobs;
  /** Moves the verified file at `path` into the store (the file is fsynced and closed). */
  commit: (path: string) => Promise<void>;
  maxParts: number;
  retry?: RetryPolicy;
  /** Interval of journal checkpoints (default 500 ms). */
  checkpointMs?: number;
  /** The server-wide bandwidth limit, if any. */
  limiter?: BandwidthLimiter;
  /** A part that receives nothing for this long is restarted (default 30 s). */
  stallMs?: number;
  log: Logger;
}

/** Blobs smaller than this are not journaled: refetching one is cheaper than recording its progress. */
const JOURNAL_MIN = 1024 * 1024;

/** A running download of one blob; `run()` once, `abort()` to stop it (partial data is kept). */
export class BlobDownload {
  readonly digest: string;
  readonly size: number;
  readonly #o: BlobDownloadOptions;
  readonly #abort = new AbortController();
  #parts: Part[] = [];
  #checkpoint: Promise<void> = Promise.resolve();
  #recorded = -1;
  #corrupt = false;
  #resumed = 0; // bytes the current attempt found written

  constructor(options: BlobDownloadOptions) {
    this.#o = options;
    this.digest = options.digest;
    this.size = options.size;
  }

  /** Bytes written so far (resumed bytes included). */
  get completed(): number {
    return completedBytes(this.#parts);
  }

  /** Stop the download; `run()` rejects with `reason`. */
  abort(reason: Error): void {
    this.#abort.abort(reason);
  }

  /** Download, verify and commit. Rejects with `DIGEST_MISMATCH`, a network error, or the abort reason. */
  async run(): Promise<void> {
    const { sources, partials, log } = this.#o;
    if (sources.length === 0) throw new Error(`no source for blob ${this.digest}`);
    const failures: SourceFailure[] = [];
    let fresh = false; // the current source already had its second chance without resumed bytes
    for (let i = 0; i < sources.length;) {
      const source = sources[i] as RangeSource;
      const last = i === sources.length - 1;
      const started = Date.now();
      try {
        await this.#runFrom(source, last);
        const { digest, size } = this;
        log.info({ digest, size, source: source.origin, ms: Date.now() - started }, 'blob downloaded');
        break;
      } catch (err) {
        if (this.#abort.signal.aborted || !isSourceFailure(err)) throw err;
        // Resumed bytes (an earlier source's, or an earlier run's) may be the corrupt ones: this source gets one
        // more try from byte 0 before it is blamed.
        if (isAppError(err, 'DIGEST_MISMATCH') && this.#resumed > 0 && !fresh) {
          fresh = true;
          log.warn(
            { digest: this.digest, source: source.origin },
            'resumed blob data was corrupt, starting over',
          );
          continue;
        }
        failures.push({ source: source.origin, err });
        if (last && failures.length === 1) throw err;
        if (last) throw allSourcesFailed(`downloading ${source.description}`, failures);
        log.warn(
          { digest: this.digest, source: source.origin, err: String(err) },
          'blob source failed, trying the next',
        );
        fresh = false;
        i++;
      }
    }
    const path = partials.dataPath(this.digest);
    await this.#o.commit(path);
    await partials.remove(this.digest);
  }

  // One source's attempt: resume or plan, fetch, verify. The file is left verified and closed at the path.
  async #runFrom(source: RangeSource, last: boolean): Promise<void> {
    const { partials } = this.#o;
    const path = partials.dataPath(this.digest);
    this.#corrupt = false;
    const file = await this.#prepare(path);
    this.#resumed = this.completed;
    const writer = createBlobWriter(file, path, this.size);
    const timer = setInterval(() => void this.#save(file), this.#o.checkpointMs ?? 500);
    let verified = false;
    try {
      writer.advance(contiguousEnd(this.#parts));
      await this.#fetchAll(writer, source, last);
      clearInterval(timer);
      const actual = await writer.digest(this.size);
      if (actual !== this.digest) {
        this.#corrupt = true;
        throw new AppError(
          'DIGEST_MISMATCH',
          `${source.description} is corrupt: expected ${this.digest}, got ${actual}`,
          { details: { expected: this.digest, actual } },
        );
      }
      await file.sync();
      verified = true;
    } finally {
      clearInterval(timer);
      if (!verified && !this.#corrupt) await this.#save(file); // keep the progress for a resume
      await writer.close();
      await this.#checkpoint;
      await file.close();
      if (this.#corrupt) await partials.remove(this.digest);
    }
  }

  async #prepare(path: string): Promise<FileHandle> {
    const { partials, log } = this.#o;
    const journal = await partials.read(this.digest, this.size);
    if (journal !== undefined) {
      try {
        const file = await open(path, 'r+');
        if ((await file.stat()).size === this.size) {
          this.#parts = journal.parts;
          this.#recorded = this.completed;
          log.info({ digest: this.digest, completed: this.completed, size: this.size }, 'resuming download');
          return file;
        }
        await file.close();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    await partials.remove(this.digest);
    this.#parts = planParts(this.size, this.#o.maxParts);
    this.#recorded = -1;
    const file = await open(path, 'w+', 0o644);
    await file.truncate(this.size); // sparse: parts write at their offsets
    return file;
  }

  async #fetchAll(writer: BlobWriter, source: RangeSource, last: boolean): Promise<void> {
    const stop = new AbortController();
    const signal = AbortSignal.any([this.#abort.signal, stop.signal]);
    const pending = this.#parts.filter((p) => p.completed < p.size);
    const policy = this.#o.retry ?? DEFAULT_RETRY;
    const results = await Promise.allSettled(
      pending.map((part) =>
        withRetry(
          `downloading ${source.description}`,
          () =>
            fetchPart({
              source,
              part,
              blobSize: this.size,
              writer,
              signal,
              onWritten: () => writer.advance(contiguousEnd(this.#parts)),
              limiter: this.#o.limiter,
              stallMs: this.#o.stallMs,
            }),
          {
            policy: last ? policy : fallbackPolicy(policy),
            signal,
            onRetry: (err, attempt) =>
              this.#o.log.info(
                {
                  digest: this.digest,
                  source: source.origin,
                  offset: part.offset,
                  attempt,
                  err: String(err),
                },
                'retrying part',
              ),
          },
        ).catch((err: unknown) => {
          stop.abort(err); // one part failed for good: stop the others, the download fails
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (this.#abort.signal.aborted) throw this.#abort.signal.reason;
    if (failed) throw failed.reason;
  }

  // Checkpoints run one at a time: fsync the data, then atomically record what that fsync covered. A failed
  // checkpoint is logged and the download goes on (the previous journal still holds, only less progress).
  #save(file: FileHandle): Promise<void> {
    this.#checkpoint = this.#checkpoint.then(async () => {
      const parts = this.#parts.map((p) => ({ ...p }));
      const completed = completedBytes(parts);
      if (this.size < JOURNAL_MIN || completed === this.#recorded || this.#corrupt) return;
      try {
        await file.datasync();
        await this.#o.partials.write({ digest: this.digest, size: this.size, parts });
        this.#recorded = completed;
      } catch (err) {
        this.#o.log.warn({ digest: this.digest, err }, 'download checkpoint failed');
      }
    });
    return this.#checkpoint;
  }
}
