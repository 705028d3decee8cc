/**
 * One blob download (Ollama `download.go` `blobDownload`): resume from the journal or plan fresh parts, fetch the
 * missing parts in parallel (each retried with backoff from where it stopped), hash the file in order as it
 * fills, and only when the sha256 matches hand the file to `commit`, which moves it into the store. Progress is
 * checkpointed to the journal every `checkpointMs` (fsync first, then the journal) and when the download stops,
 * so a SIGKILL loses at most one interval of bytes. A digest mismatch deletes the partial data.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { AppError, type Logger } from '../../core/index.js';
import { type BlobWriter, createBlobWriter } from './blob-writer.js';
import { fetchPart } from './fetch-part.js';
import { completedBytes, contiguousEnd, type Part, planParts } from './part-plan.js';
import type { PartialBlobs } from './partial-blobs.js';
import type { RangeSource } from './range-source.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** What a download needs. */
export interface BlobDownloadOptions {
  digest: string;
  size: number;
  source: RangeSource;
  partials: PartialBlobs;
  /** Moves the verified file at `path` into the store (the file is fsynced and closed). */
  commit: (path: string) => Promise<void>;
  maxParts: number;
  retry?: RetryPolicy;
  /** Interval of journal checkpoints (default 500 ms). */
  checkpointMs?: number;
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
    const { partials } = this.#o;
    const path = partials.dataPath(this.digest);
    const file = await this.#prepare(path);
    const writer = createBlobWriter(file, path, this.size);
    const timer = setInterval(() => void this.#save(file), this.#o.checkpointMs ?? 500);
    let verified = false;
    try {
      writer.advance(contiguousEnd(this.#parts));
      await this.#fetchAll(writer);
      clearInterval(timer);
      const actual = await writer.digest(this.size);
      if (actual !== this.digest) {
        this.#corrupt = true;
        const what = this.#o.source.description;
        throw new AppError('DIGEST_MISMATCH', `${what} is corrupt: expected ${this.digest}, got ${actual}`, {
          details: { expected: this.digest, actual },
        });
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
    await this.#o.commit(path);
    await partials.remove(this.digest);
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
    const file = await open(path, 'w+', 0o644);
    await file.truncate(this.size); // sparse: parts write at their offsets
    return file;
  }

  async #fetchAll(writer: BlobWriter): Promise<void> {
    const stop = new AbortController();
    const signal = AbortSignal.any([this.#abort.signal, stop.signal]);
    const pending = this.#parts.filter((p) => p.completed < p.size);
    const results = await Promise.allSettled(
      pending.map((part) =>
        withRetry(
          `downloading ${this.#o.source.description}`,
          () =>
            fetchPart({
              source: this.#o.source,
              part,
              blobSize: this.size,
              writer,
              signal,
              onWritten: () => writer.advance(contiguousEnd(this.#parts)),
            }),
          {
            policy: this.#o.retry,
            signal,
            onRetry: (err, attempt) =>
              this.#o.log.info(
                { digest: this.digest, offset: part.offset, attempt, err: String(err) },
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
