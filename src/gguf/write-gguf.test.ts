import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgmlType, gguf, writeGguf, type GgufWriteContent, type GgufWriteValue } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-gguf-write-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tensor = (over: Partial<GgufWriteContent['tensors'][number]> = {}) => ({
  name: 't',
  type: GgmlType.F32,
  dims: [4],
  data: new Uint8Array(16),
  ...over,
});

describe('writeGguf refuses content that cannot form a valid file', () => {
  it.each<[string, GgufWriteValue, RegExp]>([
    ['u8 out of range', gguf.u8(256), /256 is not a u8/],
    ['i8 fraction', gguf.i8(1.5), /1.5 is not a i8/],
    ['u32 negative', gguf.u32(-1), /-1 is not a u32/],
    ['u64 negative', gguf.u64(-1n), /is not a u64/],
    ['u64 unsafe number', gguf.u64(2 ** 60), /is not a u64/],
    ['i64 too big', gguf.i64(2n ** 63n), /is not a i64/],
    ['string item in a u32 array', gguf.arr('u32', ['x' as unknown as number]), /x is not a u32/],
    [
      'non-array in an array of arrays',
      gguf.arr('arr', [gguf.u8(1) as never]),
      /item 0 of an array of arrays/,
    ],
  ])('metadata: %s', async (_name, value, message) => {
    await expect(
      writeGguf(join(dir, 'x.gguf'), { metadata: { k: value }, tensors: [] }),
    ).rejects.toMatchObject({
      code: 'INVALID_GGUF',
      message: expect.stringMatching(message),
    });
  });

  it.each<[string, Partial<GgufWriteContent>, RegExp]>([
    ['alignment not a power of two', { alignment: 48 }, /alignment 48 is not a power of two/],
    [
      'alignment disagreeing with metadata',
      { alignment: 64, metadata: { 'general.alignment': gguf.u32(32) } },
      /disagrees/,
    ],
    ['general.alignment not u32', { metadata: { 'general.alignment': gguf.u64(32) } }, /must be a u32/],
    ['duplicate tensor names', { tensors: [tensor(), tensor()] }, /duplicate tensor name 't'/],
    ['empty tensor name', { tensors: [tensor({ name: '' })] }, /must have 1..63 bytes/],
    ['tensor name of 64 bytes', { tensors: [tensor({ name: 'x'.repeat(64) })] }, /must have 1..63 bytes/],
    ['five dims', { tensors: [tensor({ dims: [1, 1, 1, 1, 4] })] }, /invalid dims/],
    ['negative dim', { tensors: [tensor({ dims: [-4] })] }, /invalid dims/],
    [
      'row not a whole block',
      { tensors: [tensor({ type: GgmlType.Q4_0, dims: [16] })] },
      /Q4_0 cannot hold dims \[16\]/,
    ],
    ['unknown tensor type', { tensors: [tensor({ type: 77 })] }, /type 77 cannot hold/],
    ['too few bytes', { tensors: [tensor({ data: new Uint8Array(15) })] }, /needs 16 bytes, its data has 15/],
    [
      'too many bytes',
      { tensors: [tensor({ data: () => [new Uint8Array(10), new Uint8Array(10)] })] },
      /has more/,
    ],
  ])('%s', async (_name, content, message) => {
    const path = join(dir, 'bad.gguf');
    await expect(writeGguf(path, { metadata: {}, tensors: [], ...content })).rejects.toMatchObject({
      code: 'INVALID_GGUF',
      message: expect.stringMatching(message),
    });
  });

  it('removes the partial file when tensor data fails', async () => {
    const path = join(dir, 'partial.gguf');
    const failing = () => {
      throw new Error('generator broke');
    };
    await expect(writeGguf(path, { metadata: {}, tensors: [tensor({ data: failing })] })).rejects.toThrow(
      'generator broke',
    );
    expect(await readdir(dir)).not.toContain('partial.gguf');
  });
});
