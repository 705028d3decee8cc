/**
 * A {@link BlobWriter} whose writes and hashing run on a worker thread, beside the main thread that receives
 * the bytes. Filled buffers are transferred to the worker (no copy), written at their offsets, and, when they
 * continue the hashed prefix, hashed right there from memory: a single-part download never reads its file back.
 * Bytes written beyond the prefix (the later parts of a parallel download, a resumed file) are read back from
 * the page cache once `advance` says the prefix reaches them. Either way the hash covers exactly the bytes that
 * are in the file: parts never overlap, and a part only resumes after its last acknowledged write, so no hashed
 * byte is written again. Buffers go back to the main thread for reuse with each acknowledgement.
 */
import { Worker } from 'node:worker_threads';
import type { BlobWriter } from './blob-writer.js';

const CHUNK = 4 * 1024 * 1024;

// CommonJS source of the worker (evaluated, so it needs no file beside the compiled or TypeScript sources). It
// writes through the main thread's descriptor, which outlives it: a terminated worker leaves no file open.
const WORKER_SOURCE = `
const { parentPort, workerData: { fd } } = require('node:worker_threads');
const { readSync, writeSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
let cursor = 0; // bytes [0, cursor) are hashed
let scratch;
const write = ({ buffer, length, at }) => {
  const bytes = Buffer.from(buffer, 0, length);
  try {
    for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done, at + done);
  } catch (err) {
    return { buffer, error: err.message, code: err.code };
  }
  if (at === cursor) {
    hash.update(bytes);
    cursor += length;
  }
  return { buffer, hashed: cursor };
};
const readBack = (upTo) => {
  scratch ??= Buffer.allocUnsafe(${CHUNK});
  while (cursor < upTo) {
    const n = readSync(fd, scratch, 0, Math.min(scratch.length, upTo - cursor), cursor);
    if (n === 0) throw new Error('file ended at ' + cursor + ' of ' + upTo + ' bytes');
    hash.update(scratch.subarray(0, n));
    cursor += n;
  }
};
parentPort.on('message', (m) => {
  if (m.buffer !== undefined) return parentPort.postMessage(write(m), [m.buffer]);
  try {
    readBack(m.upTo);
    if (m.final) parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ error: err.message });
  }
});
`;

type Reply =
  | { buffer: ArrayBuffer; hashed?: number; error?: string; code?: string }
  | { digest: string }
  | { error: string };

interface PendingWrite {
  resolve: (buffer: Buffer) => void;
  reject: (err: Error) => void;
}

/** Writes and hashes on a worker thread; see the file comment. */
export class WorkerWriter implements BlobWriter {
  readonly #worker: Worker;
  readonly #result: Promise<string>;
  readonly #pending: PendingWrite[] = []; // the worker answers writes in order
  #gone: Error | undefined;
  #hashed = 0;
  #asked = 0;

  /** A writer over the open file descriptor `fd`, which must stay open until {@link close} resolved. */
  constructor(fd: number) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd } });
    this.#result = new Promise<string>((resolve, reject) => {
      const end = (err: Error) => {
        this.#gone ??= err;
        for (const write of this.#pending.splice(0)) write.reject(err);
        reject(err);
      };
      this.#worker.on('message', (m: Reply) => {
        if ('digest' in m) resolve(m.digest);
        else if (!('buffer' in m)) reject(new Error(`hashing the file failed: ${m.error}`));
        else this.#acknowledge(m);
      });
      this.#worker.once('error', end);
      this.#worker.once('exit', (code) => end(new Error(`the blob writer thread exited with code ${code}`)));
    });
    this.#result.catch(() => undefined); // surfaced by digest(); never an unhandled rejection
  }

  write(buffer: Buffer, length: number, at: number): Promise<Buffer> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    return new Promise<Buffer>((resolve, reject) => {
      const bytes = buffer.buffer as ArrayBuffer; // allocUnsafeSlow: never a SharedArrayBuffer
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage({ buffer: bytes, length, at }, [bytes]);
    });
  }

  advance(upTo: number): void {
    // In-order writes were hashed as they were written: only a prefix beyond them needs reading back.
    if (upTo <= Math.max(this.#hashed, this.#asked) || this.#gone !== undefined) return;
    this.#asked = upTo;
    this.#worker.postMessage({ upTo });
  }

  async digest(size: number): Promise<string> {
    if (this.#gone === undefined) this.#worker.postMessage({ upTo: size, final: true });
    try {
      return await this.#result;
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    this.#gone ??= new Error('the blob writer is closed');
    await this.#worker.terminate();
  }

  #acknowledge(m: { buffer: ArrayBuffer; hashed?: number; error?: string; code?: string }): void {
    const write = this.#pending.shift();
    if (m.hashed !== undefined) this.#hashed = m.hashed;
    if (m.error === undefined) write?.resolve(Buffer.from(m.buffer));
    else write?.reject(Object.assign(new Error(m.error), { code: m.code }));
  }
}
