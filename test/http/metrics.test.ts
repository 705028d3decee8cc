/**
 * `/metrics`, `/healthz` and `/readyz` through the real app: counters move by exactly the requests made, a
 * generation moves the token counters and the time-to-first-token histogram, label values stay bounded.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
/** Set to make the injected readiness check fail. */
let broken: Error | undefined;

beforeAll(async () => {
  t = await createTestApp({
    readiness: [
      {
        name: 'fake',
        check: () => (broken === undefined ? Promise.resolve() : Promise.reject(broken)),
      },
    ],
  });
  const modelfile = `FROM ${await tinyModelPath({ eos: 'never' })}\n`;
  expect((await t.json('POST', '/api/create', { model: 'tiny', modelfile, stream: false })).status).toBe(200);
});
afterAll(() => t.close());

async function scrape(): Promise<string> {
  const res = await t.app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample, e.g. `sample(text, 'corral_loaded_models')`; 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const VERSION_OK = '{route="/api/version",method="GET",status="200"}';

describe('GET /metrics', () => {
  it('counts requests by route pattern, exactly', async () => {
    const before = sample(await scrape(), 'corral_http_requests_total', VERSION_OK);
    for (let i = 0; i < 3; i++) expect((await t.app.request('/api/version')).status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'corral_http_requests_total', VERSION_OK) - before).toBe(3);
    expect(
      sample(text, 'corral_http_request_duration_seconds_count', '{route="/api/version",method="GET"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('labels parameterised routes by pattern and unknown paths with one fixed value', async () => {
    const unmatched = '{route="unmatched",method="GET",status="404"}';
    const before = sample(await scrape(), 'corral_http_requests_total', unmatched);
    for (const path of ['/nope/1', '/nope/2', '/api/nope'])
      expect((await t.app.request(path)).status).toBe(404);
    await t.app.request(`/api/blobs/sha256:${'0'.repeat(64)}`, { method: 'HEAD' });
    const text = await scrape();
    expect(sample(text, 'corral_http_requests_total', unmatched) - before).toBe(3);
    expect(text).not.toContain('nope');
    expect(text).not.toContain('sha256:000');
    expect(text).toContain('route="/api/blobs/:digest",method="HEAD",status="404"');
  });

  it('moves token counters, time to first token and the loaded-models gauge on a generate', async () => {
    const before = await scrape();
    const model = '{model="tiny:latest"}';
    expect(sample(before, 'corral_loaded_models')).toBe(0);
    const res = await t.json('POST', '/api/generate', {
      model: 'tiny',
      prompt: 'hello there',
      stream: false,
      options: { temperature: 0, num_predict: 5 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { eval_count: number; prompt_eval_count: number };
    expect(body.eval_count).toBe(5);
    const after = await scrape();
    const delta = (name: string, labels = model) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('corral_generated_tokens_total')).toBe(body.eval_count);
    expect(delta('corral_prompt_tokens_total')).toBe(body.prompt_eval_count);
    expect(delta('corral_time_to_first_token_seconds_count')).toBe(1);
    expect(delta('corral_model_loads_total', '{model="tiny:latest",result="ok"}')).toBe(1);
    const ps = (await (await t.app.request('/api/ps')).json()) as { models: unknown[] };
    expect(ps.models).toHaveLength(1);
    expect(sample(after, 'corral_loaded_models')).toBe(1);
    expect(sample(after, 'corral_scheduler_waiting_requests')).toBe(0);
  });
});

describe('GET /healthz and /readyz', () => {
  it('answers alive', async () => {
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every check passes, 503 naming a failing injected check', async () => {
    expect((await t.app.request('/readyz')).status).toBe(200);
    broken = new Error('database unreachable');
    try {
      const res = await t.app.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'unavailable',
        failed: [{ name: 'fake', error: 'database unreachable' }],
      });
    } finally {
      broken = undefined;
    }
    expect((await t.app.request('/readyz')).status).toBe(200);
  });

  it('is not ready when the models directory cannot be written', async () => {
    // Root writes through permission bits, so a file standing where the directory was stands in for it.
    const models = t.config.models;
    renameSync(models, `${models}.away`);
    writeFileSync(models, 'not a directory');
    try {
      const res = await t.app.request('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { failed: Array<{ name: string; error: string }> };
      expect(body.failed.map((f) => f.name)).toEqual(['store']);
      expect(body.failed[0]!.error).toMatch(/ENOTDIR/);
    } finally {
      rmSync(models);
      renameSync(`${models}.away`, models);
    }
    expect((await t.app.request('/readyz')).status).toBe(200);
  });
});
