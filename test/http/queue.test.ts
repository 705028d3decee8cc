/**
 * Queue visibility and control: `GET /api/queue` shows waiting and running requests with their client,
 * `DELETE /api/requests/:id` cancels one (waiting or mid-stream), and a request `timeout` ends it with 504.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestRegistry, isAppError } from '../../src/core/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

type Queue = {
  models: Array<{ model: string; waiting: number; running: number }>;
  requests: Array<{ id: string; model: string; state: string; client: string | null; kind: string }>;
};

describe('request queue', () => {
  let t: TestApp;
  let user: Record<string, string>;
  let operator: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORRAL_AUTH: 'on', CORRAL_NUM_PARALLEL: '1' } });
    const modelfile = `FROM ${await tinyModelPath({ eos: 'never' })}\n`;
    const admin = (await t.auth.accounts.createKey({ name: 'admin', role: 'admin' })).token;
    await t.json(
      'POST',
      '/api/create',
      { model: 'tiny', modelfile, stream: false },
      { authorization: `Bearer ${admin}` },
    );
    user = {
      authorization: `Bearer ${(await t.auth.accounts.createKey({ name: 'alice', role: 'user' })).token}`,
    };
    operator = {
      authorization: `Bearer ${(await t.auth.accounts.createKey({ name: 'ops', role: 'operator' })).token}`,
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  const queue = async () =>
    (await (await t.app.request('/api/queue', { headers: operator })).json()) as Queue;

  it('lists running and waiting requests, and cancels either', async () => {
    const long = { model: 'tiny', prompt: 'once upon a time', options: { num_predict: 100_000 } };
    const running = await t.json('POST', '/api/generate', long, user); // streams: headers come at once
    expect(running.status).toBe(200);
    const reader = (running.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // first token: it holds the only slot
    const waiting = t.json('POST', '/api/generate', { ...long, stream: false }, user);

    await expect
      .poll(async () => (await queue()).models[0], { timeout: 10_000 })
      .toEqual({
        model: 'tiny',
        waiting: 1,
        running: 1,
      });
    const q = await queue();
    expect(q.requests.map((r) => [r.state, r.client, r.kind])).toEqual([
      ['running', 'alice', 'generate'],
      ['waiting', 'alice', 'generate'],
    ]);
    const [first, second] = q.requests;

    expect((await t.json('DELETE', `/api/requests/${second!.id}`, undefined, user)).status).toBe(403);
    expect((await t.json('DELETE', `/api/requests/${second!.id}`, undefined, operator)).status).toBe(200);
    const cancelled = await waiting;
    expect(cancelled.status).toBe(499);
    expect(((await cancelled.json()) as { error: string }).error).toMatch(/cancelled by ops/);

    expect((await t.json('DELETE', `/api/requests/${first!.id}`, undefined, operator)).status).toBe(200);
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      text += new TextDecoder().decode(r.value);
    expect(text.trim().split('\n').at(-1)).toMatch(/"error":"the request was cancelled by ops"/);
    await expect.poll(async () => (await queue()).requests, { timeout: 10_000 }).toEqual([]);
    expect((await t.json('DELETE', `/api/requests/${first!.id}`, undefined, operator)).status).toBe(404);

    const audit = await t.db.audit.query({ action: 'request.cancel' });
    expect(audit.map((e) => e.outcome).sort()).toEqual(['failure', 'success', 'success']);
  });

  it('ends a request that outlives its timeout with 504', async () => {
    const res = await t.json(
      'POST',
      '/api/generate',
      { model: 'tiny', prompt: 'hi', stream: false, timeout: '300ms', options: { num_predict: 100_000 } },
      user,
    );
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: string }).error).toMatch(/longer than its timeout/);
    expect(
      (await t.json('POST', '/api/generate', { model: 'tiny', prompt: 'x', timeout: 'soon' }, user)).status,
    ).toBe(400);
  });
});

describe('RequestRegistry', () => {
  it('applies the server default timeout', async () => {
    const registry = new RequestRegistry({ defaultTimeoutMs: 20 });
    const active = registry.begin({ model: 'm', kind: 'chat' });
    await new Promise((r) => setTimeout(r, 40));
    expect(active.signal.aborted).toBe(true);
    expect(isAppError(active.failure(), 'REQUEST_TIMEOUT')).toBe(true);
    active.end();
    expect(registry.list()).toEqual([]);
  });
});
