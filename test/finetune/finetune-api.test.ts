/**
 * The fine-tuning API without training: dataset upload (JSON and raw JSON Lines), preview, statistics with the
 * base model's tokenizer, precise 400s for every invalid job setting and malformed dataset, and the queue's
 * cancel / resume / delete rules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;

const PAIRS = Array.from({ length: 6 }, (_, i) => ({ prompt: `question ${i}`, completion: `answer ${i}` }));
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

beforeAll(async () => {
  t = await createTestApp();
  await t.store.create('tiny', `FROM ${await tinyModelPath()}`, { baseDir: t.home });
  const res = await t.json('POST', '/api/finetune/datasets', { name: 'pairs', content: jsonl(PAIRS) });
  expect(res.status).toBe(201);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('datasets', () => {
  it('stores an upload, lists it, previews it and counts its tokens with the model', async () => {
    const list = (await (await t.json('GET', '/api/finetune/datasets')).json()) as {
      datasets: Array<{ name: string; format: string; examples: number; sha256: string }>;
    };
    expect(list.datasets).toContainEqual(
      expect.objectContaining({
        name: 'pairs',
        format: 'completion',
        examples: 6,
        sha256: expect.stringMatching(/^sha256:/),
      }),
    );
    const details = (await (await t.json('GET', '/api/finetune/datasets/pairs')).json()) as {
      preview: unknown[];
    };
    expect(details.preview).toHaveLength(5);
    expect(details.preview[0]).toEqual({
      messages: [
        { role: 'user', content: 'question 0' },
        { role: 'assistant', content: 'answer 0' },
      ],
      train: [false, true],
    });
    const stats = (await (await t.json('GET', '/api/finetune/datasets/pairs/stats?model=tiny')).json()) as {
      examples: number;
      tokens: number;
      trained_tokens: number;
      longest: number;
    };
    expect(stats.examples).toBe(6);
    // The ChatML prompt around each pair is many tokens; the trained part is the answer and the end of turn.
    expect(stats.tokens).toBeGreaterThan(6 * 10);
    expect(stats.trained_tokens).toBeGreaterThanOrEqual(6 * 2);
    expect(stats.trained_tokens).toBeLessThan(stats.tokens / 2);
    expect(stats.longest).toBeGreaterThan(10);
  });

  it('takes raw JSON Lines with ?name= and refuses a taken name', async () => {
    const raw = await t.app.request('/api/finetune/datasets?name=raw-text', {
      method: 'POST',
      headers: { 'content-type': 'application/jsonl' },
      body: jsonl([{ text: 'one' }, { text: 'two' }]),
    });
    expect(raw.status).toBe(201);
    expect(await raw.json()).toMatchObject({ name: 'raw-text', format: 'text', examples: 2 });
    const again = await t.json('POST', '/api/finetune/datasets', {
      name: 'raw-text',
      content: jsonl([{ text: 'x' }]),
    });
    expect(again.status).toBe(409);
  });

  it.each([
    {
      what: 'bad JSON on line 2',
      content: '{"text":"a"}\n{"text":\n',
      error: /1 invalid line: line 2: not valid JSON/,
    },
    {
      what: 'mixed formats',
      content: jsonl([{ text: 'a' }, { prompt: 'p', completion: 'c' }]),
      error: /line 2: a completion example in a text dataset/,
    },
    {
      what: 'no assistant turn',
      content: jsonl([{ messages: [{ role: 'user', content: 'x' }] }]),
      error: /line 1: no assistant message/,
    },
    { what: 'an empty file', content: '\n\n', error: /dataset is empty/ },
    { what: 'a bad name', content: jsonl([{ text: 'a' }]), name: '../etc', error: /dataset name is/ },
  ])('refuses $what with a precise 400', async ({ content, error, name = 'bad' }) => {
    const res = await t.json('POST', '/api/finetune/datasets', { name, content });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(error);
  });
});

describe('job settings', () => {
  const job = (change: Record<string, unknown>) =>
    t.json('POST', '/api/finetune/jobs', {
      model: 'tiny',
      dataset: 'pairs',
      epochs: 1,
      batch_size: 2,
      ...change,
    });

  it.each([
    { what: 'rank 0', change: { rank: 0 }, error: /rank: Too small: expected number to be >=1/ },
    { what: 'alpha 0', change: { alpha: 0 }, error: /alpha: alpha must be greater than 0/ },
    { what: 'negative alpha', change: { alpha: -2 }, error: /alpha: alpha must be greater than 0/ },
    {
      what: 'learning rate 0',
      change: { learning_rate: 0 },
      error: /learning_rate: learning_rate must be greater than 0/,
    },
    {
      what: 'negative learning rate',
      change: { learning_rate: -1e-4 },
      error: /learning_rate must be greater than 0/,
    },
    { what: 'dropout 1', change: { dropout: 1 }, error: /dropout: dropout must be below 1/ },
    {
      what: 'an unknown target module',
      change: { target_modules: ['attn_q', 'mlp_up'] },
      error: /target_modules\.1: target modules are attn_q, attn_k/,
    },
    {
      what: 'no target module',
      change: { target_modules: [] },
      error: /target_modules: name at least one target module/,
    },
    {
      what: 'a fractional epoch count',
      change: { epochs: 1.5 },
      error: /epochs: Invalid input: expected int/,
    },
    { what: 'an unknown schedule', change: { lr_schedule: 'exponential' }, error: /lr_schedule:/ },
    { what: 'an unknown method', change: { method: 'full' }, error: /method: method must be "lora"/ },
    { what: 'an unknown setting', change: { rnak: 4 }, error: /Unrecognized key: "rnak"/ },
    {
      what: 'a batch larger than the dataset',
      change: { batch_size: 7 },
      error: /batch_size 7 is larger than the 6 training examples/,
    },
    {
      what: 'a batch larger than the split-off training set',
      change: { batch_size: 6, validation_split: 0.2 },
      error: /batch_size 6 is larger than the 5 training examples/,
    },
    {
      what: 'a sequence length over the context',
      change: { max_seq_len: 4096 },
      error: /max_seq_len 4096 is over the model's context length of 2048/,
    },
  ])('refuses $what', async ({ change, error }) => {
    const res = await job(change);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(error);
  });

  it('answers 404 for an unknown model or dataset, 409 for a taken output name', async () => {
    expect((await job({ model: 'nope' })).status).toBe(404);
    expect((await job({ dataset: 'nope' })).status).toBe(404);
    expect((await job({ name: 'tiny' })).status).toBe(409);
  });

  it('lists no job after refusals, and 404s for an unknown job', async () => {
    const { jobs } = (await (await t.json('GET', '/api/finetune/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toEqual([]);
    expect((await t.json('GET', '/api/finetune/jobs/0b7c0d1e-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.json('POST', '/api/finetune/jobs/nope/cancel', {})).status).toBe(404);
  });
});

describe('queue rules', () => {
  let q: TestApp;
  beforeAll(async () => {
    // No trainer can start here: jobs fail at once with the reason, which exercises the queue's bookkeeping.
    q = await createTestApp({ env: { CORRAL_PYTHON: '/nonexistent/python3' } });
    await q.store.create('tiny', `FROM ${await tinyModelPath()}`, { baseDir: q.home });
    await q.json('POST', '/api/finetune/datasets', { name: 'pairs', content: jsonl(PAIRS) });
  }, 60_000);
  afterAll(async () => {
    await q?.close();
  });

  const state = async (id: string) =>
    (await (await q.json('GET', `/api/finetune/jobs/${id}`)).json()) as {
      state: string;
      error: string | null;
      attempts: number;
    };

  it('fails a job with its reason, resumes it, refuses what its state forbids, and deletes it with its files', async () => {
    const res = await q.json('POST', '/api/finetune/jobs', {
      model: 'tiny',
      dataset: 'pairs',
      epochs: 1,
      batch_size: 2,
    });
    expect(res.status).toBe(201);
    const { id, output_model: output } = (await res.json()) as { id: string; output_model: string };
    expect(output).toMatch(/^tiny-ft-/);
    await expect.poll(async () => (await state(id)).state, { timeout: 30_000 }).toBe('failed');
    expect((await state(id)).error).toMatch(/nonexistent\/python3/);
    expect((await q.json('POST', `/api/finetune/jobs/${id}/cancel`, {})).status).toBe(409);

    expect((await q.json('POST', `/api/finetune/jobs/${id}/resume`, {})).status).toBe(200);
    await expect.poll(async () => (await state(id)).attempts, { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await state(id)).state, { timeout: 30_000 }).toBe('failed');
    const logs = (await (await q.json('GET', `/api/finetune/jobs/${id}/logs`)).json()) as { lines: string[] };
    expect(logs.lines.filter((l) => l.includes('job started'))).toHaveLength(2);
    expect(logs.lines.some((l) => l.includes('job failed'))).toBe(true);

    // The dataset may go once no queued or running job uses it; the job then cannot resume.
    expect((await q.json('DELETE', '/api/finetune/datasets/pairs')).status).toBe(204);
    const resume = await q.json('POST', `/api/finetune/jobs/${id}/resume`, {});
    expect(resume.status).toBe(409);
    expect(await errorOf(resume)).toMatch(/dataset was deleted/);

    expect((await q.json('DELETE', `/api/finetune/jobs/${id}`)).status).toBe(204);
    expect((await q.json('GET', `/api/finetune/jobs/${id}`)).status).toBe(404);
    expect(existsSync(join(q.home, 'finetune', 'work', id))).toBe(false);
    expect(existsSync(join(q.home, 'finetune', 'logs', `${id}.log`))).toBe(false);
  });
});
