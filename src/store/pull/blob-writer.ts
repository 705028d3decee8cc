/**
 * Where a download's bytes go: positioned writes into the partial file, and the sha256 of the file's prefix as
 * it fills in. Large blobs get a worker thread that does both (see `worker-writer.ts`), so receiving on the
 * main thread and writing plus hashing on the worker use two cores; small ones are written and hashed on the
 * main thread, where starting a worker would cost more than it saves.
 */
import type { FileHandle } from 'node:fs/promises';
import { FileHasher } from './file-hasher.js';
import { WorkerWriter } from './worker-writer.js';

/** Writes a blob's bytes at their offsets and hashes the written prefix. */
export interface BlobWriter {
  /**
   * Write `buffer[0, length)` at `at`. Resolves, in the order the writes were made, once the bytes are written,
   * with a buffer of the same size to reuse (`buffer` itself may have been handed to another thread). `buffer`
   * must own its whole `ArrayBuffer` (`Buffer.allocUnsafeSlow`) and must not be touched again.
   */
  write(buffer: Buffer, length: number, at: number): Promise<Buffer>;
  /** Bytes `[0, upTo)` are written: hash what the writes have not (in the background). */
  advance(upTo: number): void;
  /** The `sha256:<hex>` of bytes `[0, size)` of the file, once hashed; closes the writer. */
  digest(size: number): Promise<string>;
  /** Stop (pending writes reject) and release everything. Idempotent. */
  close(): Promise<void>;
}

/** Blobs at least this large are written and hashed on a worker thread. */
export const WORKER_MIN = 16 * 1024 * 1024;

/** A writer for `file` (at `path`) that will hold `size` bytes. */
export function createBlobWriter(file: FileHandle, path: string, size: number): BlobWriter {
  return size >= WORKER_MIN ? new WorkerWriter(file.fd) : new InlineWriter(file, path);
}

class InlineWriter implements BlobWriter {
  readonly #file: FileHandle;
  readonly #hasher: FileHasher;
  #last: Promise<unknown> = Promise.resolve();

  constructor(file: FileHandle, path: string) {
    this.#file = file;
    this.#hasher = new FileHasher(path);
  }

  write(buffer: Buffer, length: number, at: number): Promise<Buffer> {
    // One at a time, so they settle in order; a failure reaches its caller through `written`, not the chain.
    const written = this.#last.then(() => this.#file.write(buffer, 0, length, at)).then(() => buffer);
    this.#last = written.catch(() => undefined);
    return written;
  }

  advance(upTo: number): void {
    this.#hasher.advance(upTo);
  }

  digest(size: number): Promise<string> {
    return this.#hasher.digest(size);
  }

  close(): Promise<void> {
    return this.#hasher.close();
  }
}
