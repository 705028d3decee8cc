/**
 * Speculative decoding end to end: `PARAMETER draft_model` in a Modelfile created over `/api/create`, greedy
 * `/api/generate` answers equal to the same model without a draft, `draft_tokens` / `draft_accepted_tokens` in
 * the final response and the draft counters in `/metrics`; create refuses missing and incompatible drafts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;

async function create(model: string, modelfile: string): Promise<Response> {
  return t.json('POST', '/api/create', { model, modelfile, stream: false });
}

beforeAll(async () => {
  t = await createTestApp();
  const target = await tinyModelPath({ eos: 'never', nLayer: 6, inertLayersFrom: 2 });
  expect((await create('draft', `FROM ${await tinyModelPath({ eos: 'never' })}`)).status).toBe(200);
  expect((await create('plain', `FROM ${target}`)).status).toBe(200);
  const spec = `FROM ${target}\nPARAMETER draft_model draft\nPARAMETER draft_p_min 0\nPARAMETER repeat_penalty 1`;
  expect((await create('fast', spec)).status).toBe(200);
});
afterAll(() => t.close());

interface Final {
  response: string;
  eval_count: number;
  draft_tokens?: number;
  draft_accepted_tokens?: number;
}

async function generate(model: string, prompt: string): Promise<Final> {
  const res = await t.json('POST', '/api/generate', {
    model,
    prompt,
    stream: false,
    options: { temperature: 0, num_predict: 32, repeat_penalty: 1 },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Final;
}

describe('/api/generate with a draft model', () => {
  it('answers exactly as without the draft and reports the draft statistics', async () => {
    for (const prompt of ['Once upon a time', 'def main():']) {
      const plain = await generate('plain', prompt);
      const fast = await generate('fast', prompt);
      expect(fast.response).toBe(plain.response);
      expect(fast.eval_count).toBe(plain.eval_count);
      expect(plain.draft_tokens).toBeUndefined();
      expect(fast.draft_tokens).toBeGreaterThan(0);
      expect(fast.draft_accepted_tokens! / fast.draft_tokens!).toBeGreaterThanOrEqual(0.8);
    }
    const metrics = await (await t.app.request('/metrics')).text();
    const accepted = /^corral_draft_accepted_tokens_total\{model="fast:latest"\} (\d+)$/m.exec(metrics);
    expect(Number(accepted?.[1])).toBeGreaterThan(0);
    const ps = (await (await t.app.request('/api/ps')).json()) as { models: Array<{ name: string }> };
    expect(ps.models.map((m) => m.name)).toContain('fast:latest');
  });

  it('refuses at create a draft model that is missing or has another vocabulary', async () => {
    const target = await tinyModelPath({ eos: 'never', nLayer: 6, inertLayersFrom: 2 });
    const missing = await create('broken', `FROM ${target}\nPARAMETER draft_model nowhere`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/draft model nowhere .* not found/);

    expect((await create('other-vocab', `FROM ${await tinyModelPath({ vocabSize: 640 })}`)).status).toBe(200);
    const mismatch = await create('broken', `FROM ${target}\nPARAMETER draft_model other-vocab`);
    expect(mismatch.status).toBe(400);
    expect(((await mismatch.json()) as { error: string }).error).toMatch(
      /cannot draft for broken:latest: its vocabulary has 640 tokens, the model's has 512/,
    );
  });
});
