import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../src/gguf/index.js';
import { writeHfModel, type HfArch } from '../fixtures/index.js';
import { convertAndCompare, sameGreedy } from './compare.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('convert-arch'));
});
afterAll(async () => cleanup());

describe('convertHfModel: other architectures', () => {
  it.each<[HfArch, string]>([
    ['qwen2', 'q/k/v biases, tied embeddings, qwen2 pre-tokenizer'],
    ['qwen3', 'q/k norms, head_dim apart from hidden/heads'],
    ['gemma2', 'norms +1, four norms per block, softcapping'],
    ['gemma3', 'norms +1, q/k norms, sliding window'],
    ['phi3', 'fused qkv and gate_up'],
  ])('%s (%s): same tensors and metadata as the direct GGUF, same greedy tokens', async (arch) => {
    // llama.cpp insists on SentencePiece tokens (`</s>`, `<unk>`) when general.name (here the folder name)
    // contains "phi3"; the fixture vocabulary is byte-level BPE, so the Phi-3 folder gets another name.
    const name = arch === 'phi3' ? 'tiny-p3' : arch;
    const model = await writeHfModel(join(dir, name), { arch });
    const { converted, reference } = await convertAndCompare(dir, name, model, 'F32');
    expect((await readGguf(converted)).metadata['general.architecture']).toBe(arch);
    await sameGreedy(converted, reference);
  });

  it('qwen2 from F16 weights, sharded, stays bit-exact in F16', async () => {
    const model = await writeHfModel(join(dir, 'qwen2-f16'), { arch: 'qwen2', dtype: 'F16', shards: 2 });
    const { converted, reference } = await convertAndCompare(dir, 'qwen2-f16', model, 'F16');
    await sameGreedy(converted, reference);
  });
});
