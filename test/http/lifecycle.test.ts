/**
 * Explicit model lifecycle: `/api/load` and `/api/unload`, and pinning with `keep_alive: -1` (both dialects):
 * a pinned model is never evicted, so a model that only fits without it fails at once instead of waiting.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTestServer } from '../helpers/test-server.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function appWithModels(memoryBytes?: number): Promise<TestApp> {
  const app = await createTestApp(memoryBytes === undefined ? {} : { memoryBytes });
  const path = await tinyModelPath({ eos: 'never' });
  for (const [name, temp] of [
    ['a', 0.1],
    ['b', 0.2],
  ] as const) {
    const modelfile = `FROM ${path}\nPARAMETER temperature ${temp}\n`;
    expect((await app.json('POST', '/api/create', { model: name, modelfile, stream: false })).status).toBe(
      200,
    );
  }
  return app;
}

type Ps = { models: Array<{ name: string; size: number; expires_at: string }> };
const ps = async (app: TestApp) => (await (await app.app.request('/api/ps')).json()) as Ps;

describe('model lifecycle', () => {
  it('loads with a keep-alive, unloads on request, and reports expiry', async () => {
    t = await appWithModels();
    const res = await t.json('POST', '/api/load', { model: 'a', keep_alive: '30m' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; expires_at: string; load_duration: number };
    expect(body.model).toBe('a:latest');
    expect(body.load_duration).toBeGreaterThan(0);
    expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect((await ps(t)).models.map((m) => m.name)).toEqual(['a:latest']);

    expect((await t.json('POST', '/api/unload', { model: 'a' })).status).toBe(200);
    expect((await ps(t)).models).toEqual([]);
    expect((await t.json('POST', '/api/load', { model: 'ghost' })).status).toBe(404);
    expect((await t.json('POST', '/api/load', { model: 'a', keep_alive: 'soon' })).status).toBe(400);
  });

  it('never evicts a pinned model: another model that needs its room fails fast, then loads after unload', async () => {
    // the scheduler's own estimate of what one model needs, read from its refusal with no memory at all
    const probe = await appWithModels(1);
    const refusal = (await (await probe.json('POST', '/api/load', { model: 'a' })).json()) as {
      error: string;
    };
    await probe.close();
    const mb = Number(/needs ([\d.]+) MB/.exec(refusal.error)?.[1]);
    expect(mb).toBeGreaterThan(0);
    const size = mb * 1e6;

    t = await appWithModels(Math.floor(size * 1.5)); // room for one model only
    const pinRes = await t.json('POST', '/api/load', { model: 'a', keep_alive: -1 });
    const pin = (await pinRes.json()) as {
      expires_at: string | null;
    };
    expect(pin).toMatchObject({ expires_at: null });
    const refused = await t.json('POST', '/api/generate', { model: 'b', prompt: 'hi', stream: false });
    expect(refused.status).toBe(507);
    expect(((await refused.json()) as { error: string }).error).toMatch(/keep_alive -1 \(a:latest\)/);
    expect((await ps(t)).models.map((m) => m.name)).toEqual(['a:latest']);

    // an unpinned model is evicted as usual
    await t.json('POST', '/api/unload', { model: 'a' });
    await t.json('POST', '/api/load', { model: 'a', keep_alive: '5m' });
    const ok = await t.json('POST', '/api/generate', {
      model: 'b',
      prompt: 'hi',
      stream: false,
      options: { num_predict: 2 },
    });
    expect(ok.status).toBe(200);
    expect((await ps(t)).models.map((m) => m.name)).toEqual(['b:latest']);
  });

  it('honours keep_alive -1 in the OpenAI dialect', async () => {
    t = await appWithModels();
    const res = await t.json('POST', '/v1/chat/completions', {
      model: 'a',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      keep_alive: -1,
    });
    expect(res.status).toBe(200);
    const [row] = (await ps(t)).models;
    expect(Date.parse(row!.expires_at)).toBeGreaterThan(Date.now() + 365 * 24 * 3600_000);
  });
});

describe('corral load, pin, unload', () => {
  it('drives the lifecycle from the CLI', async () => {
    const s = await startTestServer();
    try {
      const path = await tinyModelPath({ eos: 'never' });
      writeFileSync(join(s.home, 'Modelfile'), `FROM ${path}\n`);
      expect((await runCorral(['create', 'm', '-f', join(s.home, 'Modelfile')], s.env)).code).toBe(0);
      const pinned = await runCorral(['pin', 'm'], s.env);
      expect(pinned.stdout).toMatch(/Loaded m:latest in .*pinned: stays loaded until unloaded/);
      const loaded = await runCorral(['load', 'm', '--keep-alive', '10m'], s.env);
      expect(loaded.stdout).toMatch(/Loaded m:latest in .* \(until \d{4}-/);
      expect((await runCorral(['unload', 'm'], s.env)).stdout).toMatch(/Unloaded m/);
      expect((await runCorral(['ps'], s.env)).stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      await s.close();
    }
  });
});
