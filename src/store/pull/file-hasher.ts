/**
 * sha256 of a file that is being written out of order (parallel ranged parts): the hasher follows the end of
 * the completely written prefix, reading those bytes back (from the page cache) while later parts are still
 * downloading, so verification is done almost as soon as the last byte lands. It hashes what is on disk, not
 * what went by in memory. Large files are hashed on a worker thread, so hashing runs beside the network and
 * file I/O of the main thread instead of taking turns with it; small ones on the main thread.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Hashes a file's prefix as it grows. */
export interface FileHasher {
  /** Bytes `[0, upTo)` are written: hash them (in the background). */
  advance(upTo: number): void;
  /** The `sha256:<hex>` of bytes `[0, size)`, once hashed. Rejects when the file is shorter. */
  digest(size: number): Promise<string>;
  /** Stop and release the file. Idempotent. */
  close(): Promise<void>;
}

/** Files at least this large are hashed on a worker thread. */
export const WORKER_HASH_MIN = 16 * 1024 * 1024;

/** A hasher for the file at `path` of `size` bytes. */
export function createFileHasher(path: string, size: number): FileHasher {
  return size >= WORKER_HASH_MIN ? new WorkerHasher(path) : new InlineHasher(path);
}

const CHUNK = 4 * 1024 * 1024;
const ADVANCE_STEP = 16 * 1024 * 1024;

class InlineHasher implements FileHasher {
  readonly #path: string;
  readonly #hash = createHash('sha256');
  #cursor = 0;
  #target = 0;
  #pump: Promise<void> | undefined;
  #handle: FileHandle | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  advance(upTo: number): void {
    if (upTo <= this.#target) return;
    this.#target = upTo;
    // Errors surface in digest(), which awaits the pump; until then they must not be unhandled rejections.
    this.#pump ??= this.#run().finally(() => (this.#pump = undefined));
    this.#pump.catch(() => undefined);
  }

  async digest(size: number): Promise<string> {
    this.advance(size);
    while (this.#pump !== undefined) await this.#pump;
    if (this.#cursor !== size) throw new Error(`hashed ${this.#cursor} of ${size} bytes`);
    await this.close();
    return `sha256:${this.#hash.digest('hex')}`;
  }

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

// CommonJS source of the worker (evaluated, so it needs no file beside the compiled or TypeScript sources).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const fd = openSync(workerData.path, 'r');
const buffer = Buffer.allocUnsafe(${CHUNK});
let cursor = 0;
parentPort.on('message', (m) => {
  try {
    while (cursor < m.upTo) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, m.upTo - cursor), cursor);
      if (n === 0) throw new Error('file ended at ' + cursor + ' of ' + m.upTo + ' bytes');
      hash.update(buffer.subarray(0, n));
      cursor += n;
    }
    if (m.final) {
      closeSync(fd);
      parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
    }
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

class WorkerHasher implements FileHasher {
  readonly #worker: Worker;
  readonly #result: Promise<string>;
  #posted = 0;
  #closed = false;

  constructor(path: string) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path } });
    this.#result = new Promise<string>((resolve, reject) => {
      this.#worker.on('message', (m: { digest?: string; error?: string }) =>
        m.digest !== undefined ? resolve(m.digest) : reject(new Error(m.error)),
      );
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => reject(new Error(`hash worker exited with code ${code}`)));
    });
    this.#result.catch(() => undefined); // surfaced by digest(); never an unhandled rejection
  }

  advance(upTo: number): void {
    // Posting every few MB costs more than it saves: the worker is told in steps (digest() sends the rest).
    if (upTo - this.#posted < ADVANCE_STEP || this.#closed) return;
    this.#posted = upTo;
    this.#worker.postMessage({ upTo });
  }

  async digest(size: number): Promise<string> {
    this.#worker.postMessage({ upTo: size, final: true });
    try {
      return await this.#result;
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
  }
}
