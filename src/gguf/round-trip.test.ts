import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GgmlType,
  gguf,
  readGguf,
  tensorByteSize,
  writeGguf,
  type GgufValue,
  type GgufWriteValue,
} from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roundTrip(value: GgufWriteValue): Promise<GgufValue | undefined> {
  const path = join(dir, 'value.gguf');
  await writeGguf(path, { metadata: { 'test.value': value }, tensors: [] });
  return (await readGguf(path)).metadata['test.value'];
}

const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);

describe('metadata round-trips through writeGguf and readGguf', () => {
  it.each<[string, GgufWriteValue, GgufValue]>([
    ['u8 0', gguf.u8(0), 0],
    ['u8 max', gguf.u8(255), 255],
    ['i8 min', gguf.i8(-128), -128],
    ['i8 max', gguf.i8(127), 127],
    ['u16 max', gguf.u16(65535), 65535],
    ['i16 min', gguf.i16(-32768), -32768],
    ['u32 max', gguf.u32(0xffffffff), 0xffffffff],
    ['i32 min', gguf.i32(-0x80000000), -0x80000000],
    ['f32 rounds to single precision', gguf.f32(1e-5), Math.fround(1e-5)],
    ['f32 negative zero', gguf.f32(-0), -0],
    ['f32 infinity', gguf.f32(Infinity), Infinity],
    ['f64 exact', gguf.f64(0.1), 0.1],
    ['f64 NaN', gguf.f64(NaN), NaN],
    ['bool true', gguf.bool(true), true],
    ['bool false', gguf.bool(false), false],
    ['empty string', gguf.str(''), ''],
    ['unicode string', gguf.str('héllo 👋 日本'), 'héllo 👋 日本'],
    ['string with NUL', gguf.str('a\u0000b'), 'a\u0000b'],
    ['u64 small is a number', gguf.u64(5), 5],
    ['u64 max safe is a number', gguf.u64(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    ['u64 2^53 is a bigint', gguf.u64(2n ** 53n), 2n ** 53n],
    ['u64 max is a bigint', gguf.u64(U64_MAX), U64_MAX],
    ['i64 -1', gguf.i64(-1), -1],
    ['i64 min safe', gguf.i64(Number.MIN_SAFE_INTEGER), Number.MIN_SAFE_INTEGER],
    ['i64 min is a bigint', gguf.i64(I64_MIN), I64_MIN],
    ['i64 max is a bigint', gguf.i64(2n ** 63n - 1n), 2n ** 63n - 1n],
    ['empty u8 array', gguf.arr('u8', []), []],
    ['empty string array', gguf.arr('str', []), []],
    ['u8 array', gguf.arr('u8', [0, 1, 255]), [0, 1, 255]],
    ['i16 array', gguf.arr('i16', [-32768, 0, 32767]), [-32768, 0, 32767]],
    ['i32 typed array', gguf.arr('i32', Int32Array.of(-1, 2, 3)), [-1, 2, 3]],
    ['f32 array', gguf.arr('f32', [0.5, -2.25]), [0.5, -2.25]],
    ['f64 array', gguf.arr('f64', [Math.PI]), [Math.PI]],
    ['bool array', gguf.arr('bool', [true, false, true]), [true, false, true]],
    ['strings with empty ones', gguf.arr('str', ['', 'a', '', 'ü']), ['', 'a', '', 'ü']],
    ['u64 array mixed', gguf.arr('u64', [1, U64_MAX]), [1, U64_MAX]],
    ['i64 array', gguf.arr('i64', [-5n, 7]), [-5, 7]],
    ['nested arrays', gguf.arr('arr', [gguf.arr('u32', [1, 2]), gguf.arr('u32', [])]), [[1, 2], []]],
    [
      'nested arrays of mixed item types',
      gguf.arr('arr', [gguf.arr('str', ['x']), gguf.arr('arr', [gguf.arr('bool', [true])])]),
      [['x'], [[true]]],
    ],
    ['empty array of arrays', gguf.arr('arr', []), []],
  ])('%s', async (_name, value, expected) => {
    expect(await roundTrip(value)).toStrictEqual(expected);
  });

  it('keeps many keys in order, with a large vocabulary', async () => {
    const tokens = Array.from({ length: 100_000 }, (_, i) => `tok${i}`);
    const path = join(dir, 'many.gguf');
    await writeGguf(path, {
      metadata: {
        'general.architecture': gguf.str('llama'),
        'a.tokens': gguf.arr('str', tokens),
        z: gguf.u8(1),
      },
      tensors: [],
    });
    const file = await readGguf(path);
    expect(Object.keys(file.metadata)).toEqual(['general.architecture', 'a.tokens', 'z']);
    expect(file.metadata['a.tokens']).toEqual(tokens);
  });
});

describe('tensors and alignment', () => {
  const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
  const tensors = [
    { name: 'a.f32', type: GgmlType.F32, dims: [3, 2], data: bytes(24, 1) },
    { name: 'b.f16', type: GgmlType.F16, dims: [5], data: () => bytes(10, 2) },
    { name: 'c.q4_0', type: GgmlType.Q4_0, dims: [64, 3], data: () => [bytes(100, 3), bytes(8, 3)] },
    { name: 'd.q4_k', type: GgmlType.Q4_K, dims: [256, 2, 1, 1], data: bytes(288, 4) },
    { name: 'e.empty', type: GgmlType.F32, dims: [0, 4], data: bytes(0, 0) },
    { name: 'f.bf16', type: GgmlType.BF16, dims: [7], data: bytes(14, 6) },
  ];

  it.each([1, 8, 32, 64, 4096])('writes aligned offsets and data with alignment %i', async (alignment) => {
    const path = join(dir, `aligned-${alignment}.gguf`);
    await writeGguf(path, { metadata: { 'general.name': gguf.str('t') }, tensors, alignment });
    const file = await readGguf(path);
    expect(file.alignment).toBe(alignment);
    expect(file.metadata['general.alignment']).toBe(alignment === 32 ? undefined : alignment);
    expect(file.dataOffset % alignment).toBe(0);
    expect(file.tensors.map((t) => [t.name, t.dims, t.type])).toEqual(
      tensors.map((t) => [t.name, t.dims, t.type]),
    );
    const handle = await open(path, 'r');
    try {
      for (const [i, t] of file.tensors.entries()) {
        expect(t.offset % alignment).toBe(0);
        expect(t.byteSize).toBe(tensorByteSize(t.type, t.dims));
        const read = Buffer.alloc(t.byteSize);
        await handle.read(read, 0, t.byteSize, file.dataOffset + t.offset);
        expect(read.every((b) => b === (i === 4 ? 0 : i + 1))).toBe(true);
      }
    } finally {
      await handle.close();
    }
  });

  it('streams async chunks of a lazily produced tensor', async () => {
    const path = join(dir, 'async.gguf');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 4; i++) yield await Promise.resolve(bytes(256, i));
    }
    await writeGguf(path, {
      metadata: {},
      tensors: [{ name: 'x', type: GgmlType.I8, dims: [1024], data: chunks }],
    });
    const file = await readGguf(path);
    expect(file.tensors[0]).toMatchObject({ name: 'x', dims: [1024], byteSize: 1024, offset: 0 });
    expect(file.fileSize).toBe(file.dataOffset + 1024);
  });
});
