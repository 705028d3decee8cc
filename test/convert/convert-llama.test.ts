import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertHfModel } from '../../src/convert/index.js';
import { describeGguf, readGguf } from '../../src/gguf/index.js';
import { writeHfModel } from '../fixtures/index.js';
import { convertAndCompare, sameGreedy } from './compare.js';
import { greedy, loadModel, tempDir, tensorBytes } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('convert-llama'));
});
afterAll(async () => cleanup());

describe('convertHfModel: llama', () => {
  it('converts an F32 llama folder to the same GGUF as writing the weights directly (q/k permuted)', async () => {
    const model = await writeHfModel(join(dir, 'llama-f32'), { arch: 'llama' });
    const { converted, reference } = await convertAndCompare(dir, 'llama-f32', model, 'F32');
    expect(describeGguf(await readGguf(converted))).toMatchObject({
      architecture: 'llama',
      fileType: 'F32',
      blockCount: 2,
      embeddingLength: 64,
      contextLength: 2048,
      headCount: 4,
      name: 'llama-f32',
    });
    await sameGreedy(converted, reference);
  });

  it('converts an F16 Mistral folder sharded over three files, bit for bit', async () => {
    const model = await writeHfModel(join(dir, 'mistral-f16'), { arch: 'mistral', dtype: 'F16', shards: 3 });
    const { converted, reference } = await convertAndCompare(dir, 'mistral-f16', model, 'F16');
    await sameGreedy(converted, reference);
  });

  it('reads BF16 weights exactly (BF16 → F32)', async () => {
    const model = await writeHfModel(join(dir, 'llama-bf16'), { arch: 'llama', dtype: 'BF16' });
    await convertAndCompare(dir, 'llama-bf16', model, 'F32');
  });

  it.each([
    ['linear', { rope_type: 'linear', factor: 2 }],
    ['yarn', { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 512 }],
  ])('writes %s RoPE scaling keys, and llama.cpp loads them', async (kind, rope_scaling) => {
    const model = await writeHfModel(join(dir, `rope-${kind}`), { arch: 'llama', config: { rope_scaling } });
    const { converted, reference } = await convertAndCompare(dir, `rope-${kind}`, model, 'F32');
    await sameGreedy(converted, reference);
  });

  it('writes llama3 RoPE scaling as a rope_freqs tensor (worked by hand for head size 16)', async () => {
    const rope_scaling = {
      rope_type: 'llama3',
      factor: 8,
      low_freq_factor: 1,
      high_freq_factor: 4,
      original_max_position_embeddings: 8192,
    };
    await writeHfModel(join(dir, 'rope-llama3'), { arch: 'llama', config: { rope_scaling } });
    const out = join(dir, 'rope-llama3.gguf');
    await convertHfModel(join(dir, 'rope-llama3'), out, { outputType: 'F32' });
    const file = await readGguf(out);
    expect(file.metadata['llama.rope.scaling.type']).toBeUndefined();
    const bytes = await tensorBytes(out, file, 'rope_freqs.weight');
    const factors = [...new Float32Array(bytes.buffer, bytes.byteOffset, 8)];
    // wavelength 2π·10000^(i/8): i ≤ 5 below 8192/4 → 1; i = 6 (6283) interpolated; i = 7 (19869) above 8192 → 8.
    const smooth = (8192 / (2 * Math.PI * 10000 ** (6 / 8)) - 1) / 3;
    expect(factors.slice(0, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(factors[6]).toBeCloseTo(1 / ((1 - smooth) / 8 + smooth), 4);
    expect(factors[7]).toBe(8);
    const m = await loadModel(out);
    try {
      expect((await greedy(m, 'Hello', 4)).tokens.length).toBeGreaterThan(0);
    } finally {
      await m.dispose();
    }
  });
});
