import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGguf, readGguf } from '../../src/gguf/index.js';
import { writeHfModel } from '../fixtures/index.js';
import { convertAndCompare, sameGreedy } from './compare.js';
import { tempDir } from './helpers.js';

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
});
