// Cross-checks our reader and writer against node-llama-cpp's own GGUF parser on the same files.
// Only valid files are handed to node-llama-cpp: a malformed one can hang it (ENGINE-NOTES).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../../test/fixtures/index.js';
import { GgmlType, gguf, readGguf, writeGguf, type GgufValue } from './index.js';

type Nested = { [key: string]: unknown };

/** node-llama-cpp nests `a.b.c` keys into objects; flatten them back to GGUF keys. */
function flatten(value: Nested, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Nested, path, out);
    else out[path] = v;
  }
  return out;
}

/** Integers compare as bigints (the parsers differ in which u64 values they return as numbers). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0)) return BigInt(v);
  return v;
}

async function compare(path: string): Promise<void> {
  const ours = await readGguf(path);
  const theirs = await readGgufFileInfo(path, { logWarnings: false });
  expect(theirs.version).toBe(ours.version);
  const flat = flatten(theirs.metadata);
  expect(Object.keys(flat).sort()).toEqual(Object.keys(ours.metadata).sort());
  for (const [key, value] of Object.entries(ours.metadata))
    expect(normalize(flat[key]), key).toStrictEqual(normalize(value satisfies GgufValue));
  const infos = theirs.tensorInfo ?? [];
  expect(infos.map((t) => t.name)).toEqual(ours.tensors.map((t) => t.name));
  for (const [i, t] of ours.tensors.entries()) {
    const other = infos[i]!;
    expect(other.dimensions.map(Number)).toEqual(t.dims);
    expect(other.ggmlType).toBe(t.type);
    expect(Number(other.offset)).toBe(t.offset);
    expect(Number(other.fileOffset)).toBe(ours.dataOffset + t.offset);
  }
  expect(theirs.infoEndOffset).toBe(ours.dataOffset);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gguf-xcheck-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('our reader agrees with node-llama-cpp readGgufFileInfo', () => {
  it('on the tiny model fixture', async () => {
    await compare(await tinyModelPath());
  });

  it('on a file with every value type, nested arrays, alignment 64 and mixed tensor types', async () => {
    const path = join(dir, 'all-types.gguf');
    await writeGguf(path, {
      alignment: 64,
      metadata: {
        'general.architecture': gguf.str('llama'),
        'v.u8': gguf.u8(200),
        'v.i8': gguf.i8(-100),
        'v.u16': gguf.u16(60000),
        'v.i16': gguf.i16(-30000),
        'v.u32': gguf.u32(4_000_000_000),
        'v.i32': gguf.i32(-2_000_000_000),
        'v.f32': gguf.f32(0.25),
        'v.f64': gguf.f64(Math.E),
        'v.bool': gguf.bool(true),
        'v.str': gguf.str('héllo 👋'),
        'v.empty': gguf.str(''),
        'v.u64': gguf.u64(2n ** 63n + 5n),
        'v.i64': gguf.i64(-(2n ** 62n)),
        'a.str': gguf.arr('str', ['', 'x', 'yz']),
        'a.i32': gguf.arr('i32', [1, -2, 3]),
        'a.empty': gguf.arr('f32', []),
        'a.nested': gguf.arr('arr', [gguf.arr('u8', [1, 2]), gguf.arr('u8', [3])]),
      },
      tensors: [
        { name: 'f32', type: GgmlType.F32, dims: [4, 3], data: new Uint8Array(48) },
        { name: 'q4_k', type: GgmlType.Q4_K, dims: [256, 2], data: new Uint8Array(288) },
        { name: 'q8_0', type: GgmlType.Q8_0, dims: [64], data: new Uint8Array(68) },
        { name: 'bf16', type: GgmlType.BF16, dims: [3, 1, 1, 2], data: new Uint8Array(12) },
      ],
    });
    await compare(path);
  });
});
