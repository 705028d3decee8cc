import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGarbageGguf, writeTruncatedCopy } from '../../test/fixtures/index.js';
import { AppError } from '../core/index.js';
import { ByteBuilder } from './byte-builder.js';
import {
  GgmlType,
  gguf,
  parseGguf,
  readGguf,
  writeGguf,
  type GgufByteSource,
  type ReadGgufOptions,
} from './index.js';

let dir: string;
let validPath: string;
let valid: Buffer;
let lastTensorEnd: number;

/** An in-memory byte source, so thousands of variants parse without touching the disk. */
function memory(bytes: Uint8Array): GgufByteSource {
  return {
    size: bytes.length,
    read: (buffer, offset, length, position) => {
      const slice = bytes.subarray(position, position + length);
      buffer.set(slice, offset);
      return Promise.resolve(slice.length);
    },
  };
}

async function rejection(bytes: Uint8Array, options?: ReadGgufOptions): Promise<AppError> {
  const error: unknown = await parseGguf(memory(bytes), 'mem.gguf', options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('INVALID_GGUF');
  expect((error as AppError).message).toMatch(/^mem\.gguf: invalid GGUF file: /);
  return error as AppError;
}

/** A raw file: header fields as given, then whatever `body` appends. */
function raw(
  body: (b: ByteBuilder) => void,
  head: { version?: number; tensors?: number; kvs?: number } = {},
  padding = 64,
): Buffer {
  const b = new ByteBuilder();
  for (const byte of Buffer.from('GGUF')) b.u8(byte);
  b.u32(head.version ?? 3);
  b.u64(BigInt(head.tensors ?? 0));
  b.u64(BigInt(head.kvs ?? 1));
  body(b);
  b.zeros(padding);
  return Buffer.from(b.bytes());
}

/** One key/value header with a tensor info whose fields are given. */
function withTensor(
  t: { name?: string; dims?: number[]; type?: number; offset?: number },
  dataBytes = 64,
): Buffer {
  const b = new ByteBuilder();
  for (const byte of Buffer.from('GGUF')) b.u8(byte);
  b.u32(3).u64(1).u64(0);
  b.str(t.name ?? 'w').u32((t.dims ?? [4]).length);
  for (const d of t.dims ?? [4]) b.u64(d);
  b.u32(t.type ?? GgmlType.F32).u64(t.offset ?? 0);
  b.zeros(32 - (b.length % 32) + dataBytes);
  return Buffer.from(b.bytes());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gguf-reject-'));
  validPath = join(dir, 'valid.gguf');
  const data = (n: number) => new Uint8Array(n).fill(7);
  await writeGguf(validPath, {
    metadata: {
      'general.architecture': gguf.str('llama'),
      'general.alignment': gguf.u32(64),
      'x.tokens': gguf.arr('str', ['a', 'bb', '', 'dddddd']),
      'x.scores': gguf.arr('f32', [1, 2, 3]),
      'x.nested': gguf.arr('arr', [gguf.arr('u8', [1]), gguf.arr('u8', [2, 3])]),
      'x.big': gguf.u64(2n ** 63n),
    },
    tensors: [
      { name: 'a', type: GgmlType.F32, dims: [8, 2], data: data(64) },
      { name: 'b', type: GgmlType.Q8_0, dims: [32], data: data(34) },
    ],
  });
  valid = await readFile(validPath);
  const file = await readGguf(validPath);
  lastTensorEnd = Math.max(...file.tensors.map((t) => file.dataOffset + t.offset + t.byteSize));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readGguf refuses malformed files with INVALID_GGUF', () => {
  it('parses the untouched sample', async () => {
    await expect(parseGguf(memory(valid), 'mem.gguf')).resolves.toMatchObject({ alignment: 64 });
  });

  it('rejects a cut at every byte before the end of the last tensor', async () => {
    for (let cut = 0; cut < lastTensorEnd; cut++) await rejection(valid.subarray(0, cut));
  });

  it('rejects truncated copies on disk and names the file', async () => {
    for (const cut of [0, 3, 10, 23, 100, 200, valid.length - 60, lastTensorEnd - 1]) {
      const path = join(dir, `cut-${cut}.gguf`);
      await writeTruncatedCopy(validPath, path, cut);
      await expect(readGguf(path)).rejects.toMatchObject({
        code: 'INVALID_GGUF',
        message: expect.stringContaining(path),
      });
    }
  });

  it.each<[string, Buffer, RegExp]>([
    [
      'wrong magic',
      Buffer.from('GGML\x03\x00\x00\x00xxxxxxxxxxxxxxxxxx', 'latin1'),
      /not a GGUF file \(starts with "GGML"/,
    ],
    ['empty file', Buffer.alloc(0), /too short/],
    ['version 1', raw(() => {}, { version: 1 }), /version 1 is not supported/],
    ['version 4', raw(() => {}, { version: 4 }), /version 4 is not supported/],
    ['big-endian', raw(() => {}, { version: 0x03000000 }), /big-endian/],
    ['2^60 keys', raw(() => {}, { kvs: 2 ** 60 }), /absurd metadata key count/],
    ['2^60 tensors', raw(() => {}, { tensors: 2 ** 60 }), /absurd tensor count/],
    ['more keys than bytes', raw(() => {}, { kvs: 10 }), /absurd metadata key count/],
    [
      'cut inside the second key',
      raw((b) => b.str('a').u32(4).u32(1).str('second.key.is.long.enough'), { kvs: 2 }, 0),
      /truncated: metadata 'second.key.is.long.enough' needs 4 bytes/,
    ],
    [
      'array of 2^40',
      raw((b) =>
        b
          .str('a')
          .u32(9)
          .u32(0)
          .u64(2 ** 40),
      ),
      /array of 1099511627776 items/,
    ],
    ['array longer than the file', raw((b) => b.str('a').u32(9).u32(4).u64(1000)), /more than the/],
    [
      'string of 2^62 bytes',
      raw((b) =>
        b
          .str('a')
          .u32(8)
          .u64(2n ** 62n),
      ),
      /string of \d+ bytes \(limit/,
    ],
    ['string past the end', raw((b) => b.str('a').u32(8).u64(500)), /truncated/],
    ['unknown value type', raw((b) => b.str('a').u32(13).u32(0)), /'a' has unknown value type 13/],
    ['unknown array item type', raw((b) => b.str('a').u32(9).u32(77).u64(1)), /unknown value type 77/],
    ['empty key', raw((b) => b.str('').u32(4).u32(1)), /key 0 is empty/],
    [
      'duplicate key',
      raw((b) => b.str('k').u32(0).u8(1).str('k').u32(0).u8(1), { kvs: 2 }),
      /'k' appears twice/,
    ],
    ['alignment as u64', raw((b) => b.str('general.alignment').u32(10).u64(32)), /alignment must be a u32/],
    ['alignment 48', raw((b) => b.str('general.alignment').u32(4).u32(48)), /power of two, got 48/],
    ['alignment 0', raw((b) => b.str('general.alignment').u32(4).u32(0)), /power of two, got 0/],
    ['unknown tensor type', withTensor({ type: 99 }), /tensor 'w' has unknown type 99/],
    ['removed tensor type', withTensor({ type: 31 }), /type Q4_0_4_4 \(31\), no longer supported/],
    ['five dims', withTensor({ dims: [1, 1, 1, 1, 1] }), /5 dimensions/],
    ['absurd dims', withTensor({ dims: [2 ** 40, 2 ** 40] }), /absurd dimensions/],
    [
      'row not a whole block',
      withTensor({ type: GgmlType.Q4_0, dims: [10] }),
      /not a multiple of the Q4_0 block size 32/,
    ],
    ['misaligned offset', withTensor({ offset: 4 }), /offset 4 is not a multiple of alignment 32/],
    [
      'tensor past the end',
      withTensor({ dims: [64] }, 16),
      /tensor 'w' data ends at offset \d+, past the end/,
    ],
    ['tensor at a huge offset', withTensor({ offset: 2 ** 50 }), /past the end/],
    ['empty tensor name', withTensor({ name: '' }), /name of 0 bytes/],
    ['tensor name too long', withTensor({ name: 'x'.repeat(64) }), /name of 64 bytes/],
  ])('%s', async (_name, bytes, message) => {
    expect((await rejection(bytes)).message).toMatch(message);
  });

  it('rejects duplicate tensor names', async () => {
    const b = new ByteBuilder();
    for (const byte of Buffer.from('GGUF')) b.u8(byte);
    b.u32(3).u64(2).u64(0);
    for (const offset of [0, 32]) b.str('same').u32(1).u64(4).u32(GgmlType.F32).u64(offset);
    b.zeros(200);
    expect((await rejection(b.bytes())).message).toMatch(/'same' appears twice/);
  });

  it('rejects arrays nested deeper than 16 levels without overflowing the stack', async () => {
    const bytes = raw((b) => {
      b.str('deep').u32(9);
      for (let i = 0; i < 10_000; i++) b.u32(9).u64(1);
    });
    expect((await rejection(bytes)).message).toMatch(/nested deeper than 16/);
  });

  it.each<[string, ReadGgufOptions, RegExp]>([
    ['maxArrayLength', { maxArrayLength: 3 }, /array of 4 items \(limit 3\)/],
    ['maxKeys', { maxKeys: 5 }, /absurd metadata key count 6 \(limit 5/],
    ['maxTensors', { maxTensors: 1 }, /absurd tensor count 2 \(limit 1/],
    ['maxStringLength', { maxStringLength: 5 }, /string of 6 bytes \(limit 5\)/],
  ])('honours %s', async (_name, options, message) => {
    expect((await rejection(valid, options)).message).toMatch(message);
  });

  it('refuses random garbage after the magic, and never hangs', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const path = join(dir, `garbage-${seed}.gguf`);
      await writeGarbageGguf(path, 4096, seed);
      await expect(readGguf(path)).rejects.toMatchObject({ code: 'INVALID_GGUF' });
    }
  });

  it('either parses or refuses with INVALID_GGUF when bytes are corrupted (fuzz)', async () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    for (let round = 0; round < 2000; round++) {
      const copy = Buffer.from(valid);
      for (let flips = 1 + (next() % 3); flips > 0; flips--) copy[next() % lastTensorEnd] = next() & 0xff;
      await parseGguf(memory(copy), 'mem.gguf').catch((err: unknown) => {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('INVALID_GGUF');
      });
    }
  });
});

describe('readGguf on paths that are not files', () => {
  it('reports a missing file as FILE_NOT_FOUND', async () => {
    await expect(readGguf(join(dir, 'missing.gguf'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('reports a directory as FILE_NOT_FOUND', async () => {
    await mkdir(join(dir, 'a-dir'));
    await expect(readGguf(join(dir, 'a-dir'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
