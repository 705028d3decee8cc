/**
 * sha256 of a file that is being written out of order (parallel ranged parts), on the main thread: the hasher
 * follows the end of the completely written prefix, reading those bytes back (from the page cache) while later
 * parts are still downloading, so verification is done almost as soon as the last byte lands. It hashes what is
 * on disk, not what went by in memory. Used for small blobs; large ones are written and hashed by a worker
 * (see `worker-writer.ts`).
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';

const CHUNK = 4 * 1024 * 1024;

/** Hashes the file at a path as its prefix grows. */
export class FileHasher {
  readonly #path: string;
  readonly #hash = createHash('sha256');
  #cursor = 0;
  #target = 0;
  #pump: Promise<void> | undefined;
  #handle: FileHandle | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Bytes `[0, upTo)` are written: hash them (in the background). */
  advance(upTo: number): void {
    if (upTo <= this.#target) return;
    this.#target = upTo;
    // Errors surface in digest(), which awaits the pump; until then they must not be unhandled rejections.
    this.#pump ??= this.#run().finally(() => (this.#pump = undefined));
    this.#pump.catch(() => undefined);
  }

  /** The `sha256:<hex>` of bytes `[0, size)`, once hashed. Rejects when the file is shorter. */
  async digest(size: number): Promise<string> {
    this.advance(size);
    while (this.#pump !== undefined) await this.#pump;
    if (this.#cursor !== size) throw new Error(`hashed ${this.#cursor} of ${size} bytes`);
    await this.close();
    return `sha256:${this.#hash.digest('hex')}`;
  }

  /** Release the file. Idempotent. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #run(): Promise<void> {
    this.#handle ??= await open(this.#path, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK);
    while (this.#cursor < this.#target) {
      const want = Math.min(CHUNK, this.#target - this.#cursor);
      const { bytesRead } = await this.#handle.read(buffer, 0, want, this.#cursor);
      if (bytesRead === 0) throw new Error(`file ended at ${this.#cursor} of ${this.#target} bytes`);
      this.#hash.update(buffer.subarray(0, bytesRead));
      this.#cursor += bytesRead;
    }
  }
}
