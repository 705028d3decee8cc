/**
 * PEFT LoRA folders → GGUF LoRA adapters: tensor layout (A as is, B's q/k rows permuted like the base weight), and
 * llama.cpp with the converted adapter applied decodes like the merged model W + (alpha / r)·B·A written directly.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertPeftAdapter } from '../../src/convert/index.js';
import { describeGguf, readGguf, writeGguf } from '../../src/gguf/index.js';
import { ModelStore } from '../../src/store/index.js';
import { writeHfModel, writePeftAdapter, type HfModel, type PeftAdapter } from '../fixtures/index.js';
import { greedy, loadModel, tempDir, tensorBytes } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: ModelStore;
let base: HfModel;
let adapter: PeftAdapter;
let baseGguf: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('peft'));
  store = await ModelStore.open(join(dir, 'store'));
  base = await writeHfModel(join(dir, 'tiny-llama'), { arch: 'llama' });
  baseGguf = join(dir, 'base.gguf');
  await writeGguf(baseGguf, base.reference);
  adapter = await writePeftAdapter(join(dir, 'lora'), { arch: 'llama', base });
});
afterAll(async () => cleanup());

describe('convertPeftAdapter', () => {
  it('writes lora_a/lora_b pairs in llama.cpp layout, B rows permuted for q/k', async () => {
    const out = join(dir, 'lora.gguf');
    const result = await convertPeftAdapter(join(dir, 'lora'), out, {
      gguf: await readGguf(baseGguf),
      label: 'base.gguf',
    });
    expect(result).toEqual({ architecture: 'llama', pairs: 10, alpha: 8 });
    const file = await readGguf(out);
    expect(describeGguf(file)).toMatchObject({ architecture: 'llama', isAdapter: true });
    expect(file.metadata).toMatchObject({ 'adapter.type': 'lora', 'adapter.lora.alpha': 8 });
    const q = file.tensors.find((t) => t.name === 'blk.0.attn_q.weight.lora_b');
    expect(q?.dims).toEqual([4, 64]);
    expect(file.tensors.find((t) => t.name === 'blk.0.attn_q.weight.lora_a')?.dims).toEqual([64, 4]);
    for (const [name, { a, b }] of adapter.factors) {
      const la = await tensorBytes(out, file, `${name}.lora_a`);
      const lb = await tensorBytes(out, file, `${name}.lora_b`);
      expect(la.equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength)), name).toBe(true);
      expect(lb.equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), name).toBe(true);
    }
  });
});

describe('create with ADAPTER a PEFT folder', () => {
  it('converts the adapter for the base, and llama.cpp decodes like the merged model', async () => {
    await store.create('tiny-lora', `FROM ${baseGguf}\nADAPTER ./lora\n`, { baseDir: dir });
    const model = await store.get('tiny-lora');
    expect(model?.adapterPaths).toHaveLength(1);
    const mergedPath = join(dir, 'merged.gguf');
    await writeGguf(mergedPath, adapter.merged);
    const [plain, merged] = [await loadModel(model!.modelPath!), await loadModel(mergedPath)];
    try {
      // F32 throughout; llama.cpp computes W·x + s·B·(A·x) where the reference has (W + s·B·A)·x, so logits
      // differ in the last bits only, and greedy tokens of these prompts agree exactly.
      for (const prompt of ['Once upon a time', 'The capital of France is']) {
        const withLora = await greedy(plain, prompt, 12, model!.adapterPaths[0]);
        const reference = await greedy(merged, prompt, 12);
        const without = await greedy(plain, prompt, 12);
        expect(withLora.tokens.length).toBeGreaterThan(0);
        expect(withLora.tokens).toEqual(reference.tokens);
        expect(without.tokens).not.toEqual(reference.tokens); // the adapter matters
      }
    } finally {
      await plain.dispose();
      await merged.dispose();
    }
    expect((await readdir(join(dir, 'store', 'blobs'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('converts for a base converted from a Hugging Face folder in the same create', async () => {
    await store.create('tiny-lora-hf', 'FROM ./tiny-llama\nADAPTER ./lora\n', {
      baseDir: dir,
      quantize: 'f32',
    });
    expect((await store.get('tiny-lora-hf'))?.adapterPaths).toHaveLength(1);
  });

  it('refuses an adapter made for another architecture, naming the tensor', async () => {
    const phi = await writeHfModel(join(dir, 'tiny-phi3'), { arch: 'phi3' });
    await writePeftAdapter(join(dir, 'lora-phi3'), { arch: 'phi3', base: phi, modules: ['attn_qkv'] });
    await expect(
      store.create('bad', `FROM ${baseGguf}\nADAPTER ./lora-phi3\n`, { baseDir: dir }),
    ).rejects.toMatchObject({
      code: 'INVALID_MODEL_FOLDER',
      message: expect.stringMatching(/does not fit the base model.*blk\.0\.attn_qkv\.weight/),
    });
    const qwen = await writeHfModel(join(dir, 'tiny-qwen3'), { arch: 'qwen3' });
    await writePeftAdapter(join(dir, 'lora-qwen3'), { arch: 'qwen3', base: qwen, modules: ['attn_q'] });
    await expect(
      store.create('bad', `FROM ${baseGguf}\nADAPTER ./lora-qwen3\n`, { baseDir: dir }),
    ).rejects.toMatchObject({
      code: 'INVALID_MODEL_FOLDER',
      message: expect.stringMatching(/64 → 128 but 'blk\.0\.attn_q\.weight' is \[64, 64\]/),
    });
    expect(await store.get('bad')).toBeUndefined();
  });

  it('refuses a folder without adapter_config.json before writing anything', async () => {
    await writePeftAdapter(join(dir, 'lora-noconfig'), { arch: 'llama', base, noConfig: true });
    await expect(
      store.create('bad', `FROM ${baseGguf}\nADAPTER ./lora-noconfig\n`, { baseDir: dir }),
    ).rejects.toMatchObject({
      code: 'INVALID_MODEL_FOLDER',
      message: expect.stringMatching(/adapter_config\.json: missing/),
    });
    await mkdir(join(dir, 'empty'));
    await expect(
      store.create('bad', `FROM ${baseGguf}\nADAPTER ./empty\n`, { baseDir: dir }),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('adapter_config.json'),
    });
    await rm(join(dir, 'empty'), { recursive: true });
  });
});
