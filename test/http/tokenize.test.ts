/** `/api/tokenize` and `/api/detokenize` use the model's own tokenizer: checked against node-llama-cpp directly. */
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let path: string;
beforeAll(async () => {
  t = await createTestApp();
  path = await tinyModelPath();
  expect(
    (await t.json('POST', '/api/create', { model: 'tiny', modelfile: `FROM ${path}\n`, stream: false }))
      .status,
  ).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

it('tokenizes as the model does, and detokenizes back', async () => {
  const content = 'the quick brown fox';
  const res = await t.json('POST', '/api/tokenize', { model: 'tiny', content });
  expect(res.status).toBe(200);
  const { tokens } = (await res.json()) as { tokens: number[] };

  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath: path });
  try {
    expect(tokens).toEqual(model.tokenize(content, true));
  } finally {
    await model.dispose();
    await llama.dispose();
  }

  const back = await t.json('POST', '/api/detokenize', { model: 'tiny', tokens });
  expect(((await back.json()) as { content: string }).content).toBe(content);
});

it('refuses token ids outside the vocabulary and unknown models', async () => {
  const res = await t.json('POST', '/api/detokenize', { model: 'tiny', tokens: [1, 99_999_999] });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/token 99999999 is not in the vocabulary/);
  expect((await t.json('POST', '/api/detokenize', { model: 'tiny', tokens: [-1] })).status).toBe(400);
  expect((await t.json('POST', '/api/tokenize', { model: 'ghost', content: 'x' })).status).toBe(404);
});
