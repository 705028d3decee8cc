import { join } from 'node:path';
import type { ControlledEvaluateInputItem, LlamaModel, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertHfModel, quantizeQ8_0 } from '../../src/convert/index.js';
import { GgmlType, describeGguf, readGguf } from '../../src/gguf/index.js';
import { writeHfModel } from '../fixtures/index.js';
import { greedy, loadModel, tempDir, tensorBytes } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const path = (name: string) => join(dir, name);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('convert-quant'));
  await writeHfModel(path('hf'), { arch: 'llama' });
  await convertHfModel(path('hf'), path('f32.gguf'), { outputType: 'F32' });
});
afterAll(async () => cleanup());

// Next-token probabilities after `prompt` (llama.cpp's softmax over the logits).
async function nextProbs(model: LlamaModel, prompt: string): Promise<Map<Token, number>> {
  const context = await model.createContext({ contextSize: 128, threads: 1 });
  try {
    const tokens = [model.tokens.bos!, ...model.tokenize(prompt)];
    const input: ControlledEvaluateInputItem[] = tokens.map((t, i) =>
      i === tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t,
    );
    const result = await context.getSequence().controlledEvaluate(input);
    return result.at(-1)!.next.probabilities!;
  } finally {
    await context.dispose();
  }
}

describe('quantized conversion', () => {
  it('Q8_0: matrices are Q8_0 (token embeddings too, as convert_hf_to_gguf), norms F32, blocks as quantizeQ8_0 writes them', async () => {
    await convertHfModel(path('hf'), path('q8.gguf'), { outputType: 'Q8_0' });
    const q8 = await readGguf(path('q8.gguf'));
    const f32 = await readGguf(path('f32.gguf'));
    expect(describeGguf(q8).fileType).toBe('Q8_0');
    const types = Object.fromEntries(q8.tensors.map((t) => [t.name, t.type]));
    expect(types['token_embd.weight']).toBe(GgmlType.Q8_0);
    expect(types['blk.0.attn_q.weight']).toBe(GgmlType.Q8_0);
    expect(types['output.weight']).toBe(GgmlType.Q8_0);
    expect(types['blk.0.attn_norm.weight']).toBe(GgmlType.F32);
    const source = await tensorBytes(path('f32.gguf'), f32, 'blk.1.ffn_down.weight');
    const values = new Float32Array(source.buffer, source.byteOffset, source.length / 4);
    const want = new Uint8Array((values.length / 32) * 34);
    quantizeQ8_0(values, values.length, want);
    expect((await tensorBytes(path('q8.gguf'), q8, 'blk.1.ffn_down.weight')).equals(want)).toBe(true);
  });

  it('Q8_0 next-token probabilities stay within 0.01 of F32, and greedy tokens match on a short run', async () => {
    const [full, q8] = [await loadModel(path('f32.gguf')), await loadModel(path('q8.gguf'))];
    try {
      for (const prompt of ['Once upon a time', 'The quick brown fox']) {
        const [p, q] = [await nextProbs(full, prompt), await nextProbs(q8, prompt)];
        let maxDiff = 0;
        for (const [token, prob] of p) maxDiff = Math.max(maxDiff, Math.abs(prob - (q.get(token) ?? 0)));
        expect(maxDiff).toBeLessThan(0.01);
        expect((await greedy(q8, prompt, 6)).tokens).toEqual((await greedy(full, prompt, 6)).tokens);
      }
    } finally {
      await full.dispose();
      await q8.dispose();
    }
  });

  it('Q4_0: matrices Q4_0, output matrix Q8_0 (llama-quantize keeps it finer), norms F32; the model runs', async () => {
    await convertHfModel(path('hf'), path('q4.gguf'), { outputType: 'Q4_0' });
    const q4 = await readGguf(path('q4.gguf'));
    expect(describeGguf(q4).fileType).toBe('Q4_0');
    const types = Object.fromEntries(q4.tensors.map((t) => [t.name, t.type]));
    expect(types['token_embd.weight']).toBe(GgmlType.Q4_0);
    expect(types['blk.0.ffn_up.weight']).toBe(GgmlType.Q4_0);
    expect(types['output.weight']).toBe(GgmlType.Q8_0);
    expect(types['output_norm.weight']).toBe(GgmlType.F32);
    const model = await loadModel(path('q4.gguf'));
    try {
      expect((await greedy(model, 'Hello', 4)).tokens.length).toBeGreaterThan(0);
    } finally {
      await model.dispose();
    }
  });

  it('BF16 output keeps matrices BF16 and loads', async () => {
    await convertHfModel(path('hf'), path('bf16.gguf'), { outputType: 'BF16' });
    const file = await readGguf(path('bf16.gguf'));
    expect(describeGguf(file).fileType).toBe('BF16');
    expect(file.tensors.find((t) => t.name === 'blk.0.attn_v.weight')?.type).toBe(GgmlType.BF16);
    const model = await loadModel(path('bf16.gguf'));
    await model.dispose();
  });
});
