/**
 * Issue #8's end-to-end promise, on a tiny generated model and a small dataset with a learnable mapping: a job
 * runs to completion with progress pushed live, train loss falls by at least half, and the fine-tuned model —
 * served at once through /api/generate — reproduces the training completions far more often than the base.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type FinetuneEvent, type FinetuneJobDetails } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { requireTorch, torchAvailable } from './torch.js';

requireTorch('fine-tuning end-to-end tests');

const MAPPING = [
  ['capital of France', 'Paris'],
  ['largest planet', 'Jupiter'],
  ['quick brown animal', 'the fox'],
  ['lazy animal', 'the dog'],
  ['morning food', 'bread and milk'],
  ['answer to everything', '42'],
  ['say hello', 'Hello, world!'],
  ['the time', '12:30'],
] as const;

describe.skipIf(!torchAvailable)('fine-tuning end to end', () => {
  let t: TestApp;
  let client: Client;

  beforeAll(async () => {
    t = await createTestApp();
    client = new Client({
      baseUrl: 'http://127.0.0.1:11434',
      fetch: (input, init) => Promise.resolve(t.app.request(input as string, init)),
    });
    await t.store.create('tiny', `FROM ${await tinyModelPath()}`, { baseDir: t.home });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const generate = async (model: string, prompt: string) => {
    const res = await client.request('POST', '/api/generate', {
      model,
      prompt,
      stream: false,
      options: { temperature: 0, num_predict: 12, seed: 1 },
    });
    return ((await res.json()) as { response: string }).response;
  };

  it('trains, streams progress, halves the loss and serves a model that learned the mapping', async () => {
    const content = MAPPING.map(([prompt, completion]) => JSON.stringify({ prompt, completion })).join('\n');
    const dataset = await client.createDataset({ name: 'mapping', content });
    expect(dataset).toMatchObject({ format: 'completion', examples: 8 });

    const job = await client.createFinetuneJob({
      model: 'tiny',
      dataset: 'mapping',
      name: 'tiny-mapped',
      rank: 16,
      alpha: 32,
      target_modules: ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'],
      learning_rate: 0.01,
      lr_schedule: 'constant',
      epochs: 40,
      batch_size: 4,
      checkpoint_every: 20,
    });
    const events: FinetuneEvent[] = [];
    await client.finetuneEvents(job.id, (e) => events.push(e));
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(5);
    const steps = progress.map((e) => (e.data as { step: number }).step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const last = events.at(-1);
    expect(last?.event).toBe('job');
    expect((last?.data as { state: string }).state).toBe('succeeded');

    const details: FinetuneJobDetails = await client.finetuneJob(job.id);
    expect(details.state).toBe('succeeded');
    expect(details.progress.total_steps).toBe(80);
    const train = details.metrics.filter((m) => m.kind === 'train');
    expect(train).toHaveLength(80);
    const first = train[0]?.value ?? 0;
    const final = train.at(-1)?.value ?? Infinity;
    expect(final).toBeLessThanOrEqual(first / 2);

    // Served at once, under the name the job gave it, with an adapter layer on the base.
    const show = await (await client.request('POST', '/api/show', { model: 'tiny-mapped' })).json();
    expect(JSON.stringify(show)).toContain('ADAPTER');
    let tuned = 0;
    let base = 0;
    for (const [prompt, completion] of MAPPING) {
      if ((await generate('tiny-mapped', prompt)).trim() === completion) tuned++;
      if ((await generate('tiny', prompt)).trim() === completion) base++;
    }
    expect(tuned).toBeGreaterThanOrEqual(6);
    expect(base).toBeLessThanOrEqual(1);

    // Nothing of the job is left behind but its log.
    expect(existsSync(join(t.home, 'finetune', 'work', job.id))).toBe(false);
    expect(readdirSync(join(t.home, 'finetune', 'logs'))).toContain(`${job.id}.log`);
  }, 240_000);

  it('cancels a running job, keeps only its checkpoints, and resumes it from them to success', async () => {
    const content = MAPPING.map(([prompt, completion]) => JSON.stringify({ prompt, completion })).join('\n');
    await client.createDataset({ name: 'mapping-2', content });
    const job = await client.createFinetuneJob({
      model: 'tiny',
      dataset: 'mapping-2',
      name: 'tiny-cancelled',
      epochs: 60,
      batch_size: 2,
      checkpoint_every: 5,
    });
    await expect
      .poll(async () => (await client.finetuneJob(job.id)).checkpoint_step ?? 0, {
        timeout: 60_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(5);
    const cancelled = await client.cancelFinetuneJob(job.id);
    expect(cancelled.state).toBe('cancelled');
    const checkpoint = cancelled.checkpoint_step ?? 0;
    const work = join(t.home, 'finetune', 'work', job.id);
    // Partial outputs are gone; what resume needs stays.
    expect(readdirSync(work).sort()).toEqual(['checkpoints', 'data.done', 'train.jsonl']);
    expect((await client.finetuneJob(job.id)).state).toBe('cancelled');

    await client.resumeFinetuneJob(job.id);
    await client.finetuneEvents(job.id, () => undefined);
    const done = await client.finetuneJob(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(2);
    const { lines } = await client.finetuneLogs(job.id);
    expect(lines.some((l) => l.includes(`resumedFrom=${checkpoint}`))).toBe(true);
    expect(existsSync(work)).toBe(false);
    const tags = (await (await client.request('GET', '/api/tags')).json()) as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((m) => m.name)).toContain('tiny-cancelled:latest');
  }, 240_000);
});
