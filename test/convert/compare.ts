/** Converts a fixture HF folder and checks it against the GGUF written directly from the same weights. */
import { join } from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { expect } from 'vitest';
import { convertHfModel, type OutputType } from '../../src/convert/index.js';
import { readGguf, writeGguf } from '../../src/gguf/index.js';
import type { HfModel } from '../fixtures/index.js';
import { greedy, loadModel, tensorBytes } from './helpers.js';

/** Metadata of the reference present and equal, same tensors, same bytes. */
export async function convertAndCompare(dir: string, name: string, model: HfModel, outputType: OutputType) {
  const hf = join(dir, name);
  const converted = join(dir, `${name}.gguf`);
  const reference = join(dir, `${name}.ref.gguf`);
  await writeGguf(reference, model.reference);
  await convertHfModel(hf, converted, { outputType });
  const [a, b] = [await readGguf(converted), await readGguf(reference)];
  for (const [key, value] of Object.entries(b.metadata)) expect([key, a.metadata[key]]).toEqual([key, value]);
  expect(a.tensors.map((t) => [t.name, t.type, t.dims]).sort()).toEqual(
    b.tensors.map((t) => [t.name, t.type, t.dims]).sort(),
  );
  for (const t of b.tensors)
    expect(
      (await tensorBytes(converted, a, t.name)).equals(await tensorBytes(reference, b, t.name)),
      t.name,
    ).toBe(true);
  return { converted, reference };
}

/** Both files load in llama.cpp and decode the same greedy tokens. */
export async function sameGreedy(converted: string, reference: string) {
  const models: LlamaModel[] = [await loadModel(converted), await loadModel(reference)];
  try {
    for (const prompt of ['Once upon a time', 'The capital of France is']) {
      const [x, y] = [await greedy(models[0]!, prompt, 12), await greedy(models[1]!, prompt, 12)];
      expect(x.tokens.length).toBeGreaterThan(0);
      expect(x.tokens).toEqual(y.tokens);
    }
  } finally {
    for (const m of models) await m.dispose();
  }
}
