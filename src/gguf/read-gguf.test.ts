import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTruncatedCopy } from '../../test/fixtures/index.js';
import { AppError } from '../core/index.js';
import { GgmlType, gguf, parseGguf, readGguf, writeGguf } from './index.js';

const VOCAB = 100_000;
const TENSOR_BYTES = 1024 * 12_800 * 4; // 52 MB of F32

let dir: string;
let bigPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gguf-big-'));
  bigPath = join(dir, 'big.gguf');
  const tokens = Array.from({ length: VOCAB }, (_, i) => `▁token${i}`);
  await writeGguf(bigPath, {
    metadata: {
      'general.architecture': gguf.str('llama'),
      'tokenizer.ggml.tokens': gguf.arr('str', tokens),
      'tokenizer.ggml.scores': gguf.arr('f32', new Float32Array(VOCAB)),
      'tokenizer.ggml.token_type': gguf.arr('i32', new Int32Array(VOCAB).fill(1)),
    },
    tensors: [
      // Lazy data in 1 MiB chunks: the writer never holds the 52 MB tensor at once.
      {
        name: 'big',
        type: GgmlType.F32,
        dims: [1024, 12_800],
        data: function* () {
          for (let done = 0; done < TENSOR_BYTES; done += 1 << 20)
            yield new Uint8Array(Math.min(1 << 20, TENSOR_BYTES - done));
        },
      },
      { name: 'small', type: GgmlType.F32, dims: [4], data: new Uint8Array(16) },
    ],
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readGguf on a big-vocabulary file with a 52 MB tensor', () => {
  it('reads the 100k-entry vocabulary quickly', async () => {
    const started = performance.now();
    const file = await readGguf(bigPath);
    const ms = performance.now() - started;
    expect(file.metadata['tokenizer.ggml.tokens']).toHaveLength(VOCAB);
    expect((file.metadata['tokenizer.ggml.tokens'] as string[])[VOCAB - 1]).toBe(`▁token${VOCAB - 1}`);
    expect(file.fileSize).toBeGreaterThan(TENSOR_BYTES);
    expect(file.tensors.map((t) => t.byteSize)).toEqual([TENSOR_BYTES, 16]);
    expect(ms).toBeLessThan(2000); // ~100 ms on a 2-core CI machine
  });

  it('reads only the header plus at most one chunk, never the tensor data', async () => {
    const handle = await open(bigPath, 'r');
    let bytesRead = 0;
    let reads = 0;
    try {
      const { size } = await handle.stat();
      const file = await parseGguf(
        {
          size,
          read: async (buffer, offset, length, position) => {
            reads++;
            const got = (await handle.read(buffer, offset, length, position)).bytesRead;
            bytesRead += got;
            return got;
          },
        },
        bigPath,
      );
      expect(bytesRead).toBeLessThanOrEqual(file.dataOffset + 1024 * 1024);
      expect(bytesRead).toBeLessThan(size / 10);
      expect(reads).toBeLessThan(20); // buffered: not one read per token
    } finally {
      await handle.close();
    }
  });

  it('rejects the same file cut inside the big tensor', async () => {
    const cutPath = join(dir, 'cut.gguf');
    const { dataOffset } = await readGguf(bigPath);
    await writeTruncatedCopy(bigPath, cutPath, dataOffset + TENSOR_BYTES / 2);
    const error = await readGguf(cutPath).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'INVALID_GGUF',
      message: expect.stringMatching(/tensor 'big' data ends/),
    });
  });
});
