import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BlobWriter, createBlobWriter } from './blob-writer.js';
import { WorkerWriter } from './worker-writer.js';

const PIECE = 64 * 1024;
const data = randomBytes(4 * PIECE);
const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The writer kinds, made over a small file (the worker one directly, as the factory keeps it for big blobs). */
const kinds: Array<[string, (file: FileHandle, path: string) => BlobWriter]> = [
  ['inline', (file, path) => createBlobWriter(file, path, data.length)],
  ['worker', (file) => new WorkerWriter(file.fd)],
];

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-blob-writer-'));
  path = join(dir, 'blob');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Write piece `i` of `data` through `writer`, from a buffer that owns its memory (as fetchPart's do). */
async function writePiece(writer: BlobWriter, i: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(PIECE);
  data.copy(buffer, 0, i * PIECE, (i + 1) * PIECE);
  return writer.write(buffer, PIECE, i * PIECE);
}

describe.each(kinds)('%s blob writer', (_, make) => {
  it('writes pieces at their offsets, in any order, and hashes exactly the file', async () => {
    const file = await open(path, 'w+');
    const writer = make(file, path);
    try {
      // Pieces 2 and 3 land beyond the prefix (a later part); 0 and 1 continue it, then the prefix covers all.
      for (const i of [2, 0, 3, 1]) expect((await writePiece(writer, i)).length).toBe(PIECE);
      writer.advance(data.length);
      expect(await writer.digest(data.length)).toBe(sha(data));
      expect(readFileSync(path).equals(data)).toBe(true);
    } finally {
      await writer.close();
      await file.close();
    }
  });

  it('reads back a resumed prefix it did not write', async () => {
    writeFileSync(path, data.subarray(0, 2 * PIECE));
    const file = await open(path, 'r+');
    const writer = make(file, path);
    try {
      writer.advance(2 * PIECE);
      await writePiece(writer, 2);
      await writePiece(writer, 3);
      expect(await writer.digest(data.length)).toBe(sha(data));
    } finally {
      await writer.close();
      await file.close();
    }
  });

  it('fails a write with the error code of the file system', async () => {
    writeFileSync(path, data);
    const file = await open(path, 'r'); // not writable: EBADF
    const writer = make(file, path);
    try {
      await expect(writePiece(writer, 0)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      await writer.close();
      await file.close();
    }
  });

  it('refuses a digest of more bytes than the file holds', async () => {
    const file = await open(path, 'w+');
    const writer = make(file, path);
    try {
      await writePiece(writer, 0);
      await expect(writer.digest(data.length)).rejects.toThrow();
    } finally {
      await writer.close();
      await file.close();
    }
  });
});

describe('worker blob writer', () => {
  it('rejects writes once closed, and closes twice', async () => {
    const file = await open(path, 'w+');
    const writer = new WorkerWriter(file.fd);
    try {
      await writer.close();
      await writer.close();
      await expect(writePiece(writer, 0)).rejects.toThrow(/closed/);
    } finally {
      await file.close();
    }
  });
});
