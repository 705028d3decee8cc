import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/lib/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

type ShowBody = {
  system: string;
  parameters: string;
  modelfile: string;
  capabilities: string[];
  model_info: Record<string, number | string>;
};

let t: TestApp;
let modelPath: string;
let modelDigest: string;

beforeAll(async () => {
  t = await createTestApp({ env: { CORRAL_MAX_BODY_SIZE: '64KiB' } });
  modelPath = await tinyModelPath();
  modelDigest = digestOf(readFileSync(modelPath));
});
afterAll(() => t.close());

async function ndjson(res: Response): Promise<Array<Record<string, unknown>>> {
  return (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('Ollama model-management API', () => {
  it('answers liveness and version', async () => {
    expect(await (await t.app.request('/')).text()).toBe('Corral is running');
    expect(await (await t.app.request('/api/version')).json()).toEqual({ version: '9.9.9-test' });
  });

  it('creates from a Modelfile with streamed progress, then lists and shows the model', async () => {
    const res = await t.json('POST', '/api/create', {
      model: 'tiny',
      modelfile: `FROM ${modelPath}\nPARAMETER temperature 0.25\nPARAMETER stop "<|im_end|>"\nSYSTEM You are terse.\n`,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = await ndjson(res);
    expect(lines.at(-1)).toEqual({ status: 'success' });
    expect(lines.map((l) => l.status)).toContain('writing manifest');

    const tags = (await (await t.app.request('/api/tags')).json()) as {
      models: Array<Record<string, unknown>>;
    };
    expect(tags.models).toHaveLength(1);
    expect(tags.models[0]).toMatchObject({
      name: 'tiny:latest',
      model: 'tiny:latest',
      details: { format: 'gguf', family: 'llama' },
    });
    expect(tags.models[0]!.digest).toMatch(/^[0-9a-f]{64}$/);

    const show = (await (await t.json('POST', '/api/show', { model: 'tiny' })).json()) as ShowBody;
    expect(show.system).toBe('You are terse.');
    expect(show.parameters).toMatch(/temperature\s+0\.25/);
    expect(show.model_info['general.architecture']).toBe('llama');
    expect(show.model_info['llama.context_length']).toBeGreaterThan(0);
    expect(show.model_info['general.parameter_count']).toBeGreaterThan(0);
    expect(show.capabilities).toContain('completion');
    expect(show.modelfile).toContain('FROM ');
  });

  it('creates from the structured form (files → digest) with stream: false', async () => {
    const blob = await t.app.request(`/api/blobs/${modelDigest}`, {
      method: 'POST',
      body: readFileSync(modelPath),
    });
    expect(blob.status).toBe(201);
    expect((await t.app.request(`/api/blobs/${modelDigest}`, { method: 'HEAD' })).status).toBe(200);
    const res = await t.json('POST', '/api/create', {
      model: 'structured:v1',
      files: { 'model.gguf': modelDigest },
      parameters: { num_ctx: 256, stop: ['a', 'b'] },
      stream: false,
    });
    expect(await res.json()).toEqual({ status: 'success' });
    const show = (await (await t.json('POST', '/api/show', { name: 'structured:v1' })).json()) as ShowBody;
    expect(show.parameters).toMatch(/num_ctx\s+256/);
    expect(show.parameters).toMatch(/stop\s+"?a"?\nstop\s+"?b"?|stop\s+"?a"?[\s\S]*stop\s+"?b"?/);
  });

  it('copies and deletes, freeing blobs only when the last reference goes', async () => {
    expect((await t.json('POST', '/api/copy', { source: 'tiny', destination: 'tiny-copy' })).status).toBe(
      200,
    );
    expect((await t.json('DELETE', '/api/delete', { model: 'tiny' })).status).toBe(200);
    expect(await t.store.hasBlob(modelDigest)).toBe(true);
    expect((await t.json('DELETE', '/api/delete', { model: 'tiny-copy' })).status).toBe(200);
    expect((await t.json('DELETE', '/api/delete', { model: 'structured:v1' })).status).toBe(200);
    expect(await t.store.hasBlob(modelDigest)).toBe(false);
    const del = await t.json('DELETE', '/api/delete', { model: 'tiny' });
    expect(del.status).toBe(404);
    expect(await del.json()).toEqual({ error: expect.stringContaining('not found') });
  });
});

describe('bad input gets a clear error, never a 500', () => {
  it.each([
    ['malformed JSON', 'POST', '/api/show', '{"model":', 400, /invalid JSON body/],
    ['missing model', 'POST', '/api/show', {}, 400, /model: model is required/],
    ['wrong type', 'POST', '/api/show', { model: 7 }, 400, /model: .*string/],
    ['traversal name', 'POST', '/api/show', { model: '../../etc/passwd' }, 400, /invalid model name/],
    ['absolute path name', 'POST', '/api/show', { model: '/abs/path' }, 400, /invalid model name/],
    ['unknown model', 'POST', '/api/show', { model: 'nope' }, 404, /"nope.*" not found/],
    [
      'copy to traversal',
      'POST',
      '/api/copy',
      { source: 'nope', destination: '../x' },
      400,
      /invalid model name/,
    ],
    ['create traversal', 'POST', '/api/create', { model: '../../x', from: 'a' }, 400, /invalid model name/],
    ['create without FROM', 'POST', '/api/create', { model: 'x', system: 'hi' }, 400, /FROM/],
    [
      'bad Modelfile',
      'POST',
      '/api/create',
      { model: 'x', modelfile: 'FROM a\nPARAMETER temperature hot' },
      400,
      /line 2/,
    ],
    ['unknown route', 'GET', '/api/nothing', undefined, 404, /no route/],
  ])('%s', async (_name, method, path, body, status, message) => {
    const res = await t.json(method, path, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: string };
    expect(json.error).toMatch(message);
  });

  it('rejects a garbage GGUF at create time and stores nothing for the model', async () => {
    const garbage = new Uint8Array(4096).fill(7);
    garbage.set([0x47, 0x47, 0x55, 0x46]);
    const digest = digestOf(garbage);
    expect((await t.app.request(`/api/blobs/${digest}`, { method: 'POST', body: garbage })).status).toBe(201);
    const res = await t.json('POST', '/api/create', {
      model: 'garbage',
      files: { 'm.gguf': digest },
      stream: false,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/GGUF/i);
    // Streaming, the failure arrives as the final error line of the NDJSON stream, as Ollama sends it.
    const streamed = await ndjson(
      await t.json('POST', '/api/create', { model: 'garbage', files: { 'm.gguf': digest } }),
    );
    expect(streamed.at(-1)).toEqual({ error: expect.stringMatching(/GGUF/i) });
    expect((await t.json('POST', '/api/show', { model: 'garbage' })).status).toBe(404);
  });

  it('verifies uploaded blobs against their digest', async () => {
    const wrong = digestOf('something else');
    const res = await t.app.request(`/api/blobs/${wrong}`, { method: 'POST', body: 'hello' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/digest/i);
    expect(await t.store.hasBlob(wrong)).toBe(false);
    expect((await t.app.request('/api/blobs/sha256:xyz', { method: 'HEAD' })).status).toBe(400);
    expect((await t.app.request(`/api/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await t.json('POST', '/api/show', { model: 'x', pad: 'x'.repeat(100_000) });
    expect(res.status).toBe(413);
    // A declared length over the limit is refused from the header alone, one within it goes on to the route.
    const body = JSON.stringify({ model: 'x', pad: 'x'.repeat(100_000) });
    const declared = await t.app.request('/api/show', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: string }).error).toMatch(/larger than/);
    const small = JSON.stringify({ model: 'nope' });
    const fits = await t.app.request('/api/show', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(small.length) },
      body: small,
    });
    expect(fits.status).toBe(404);
  });

  it('refuses foreign Host headers while bound to loopback (DNS rebinding)', async () => {
    const bad = await t.app.request('/api/version', { headers: { host: 'evil.example:11434' } });
    expect(bad.status).toBe(403);
    for (const host of ['localhost:11434', '127.0.0.1:11434', '[::1]:11434', 'corral.localhost']) {
      expect((await t.app.request('/api/version', { headers: { host } })).status).toBe(200);
    }
  });

  it('sends CORS headers to localhost and configured origins only', async () => {
    const ok = await t.app.request('/api/version', { headers: { origin: 'http://localhost:5173' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const no = await t.app.request('/api/version', { headers: { origin: 'https://evil.example' } });
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
  });
});
