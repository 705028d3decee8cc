/**
 * `POST /api/pull` from a local registry through the HTTP API: Ollama's status lines, auth challenge, redirects
 * to blob storage, typed errors, and a pulled multi-layer model that generates.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/lib/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let registry: TestRegistry;
let digests: string[];
let modelBytes: Buffer;

type Line = { status: string; digest?: string; total?: number; completed?: number; error?: string };

async function lines(res: Response): Promise<Line[]> {
  return (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

beforeAll(async () => {
  t = await createTestApp();
  registry = await startRegistry({ token: 'sesame', redirect: true });
  modelBytes = readFileSync(await tinyModelPath({ eos: 'never' }));
  ({ digests } = await registry.addModel('library/tiny:q1', [
    { mediaType: 'application/vnd.ollama.image.model', data: modelBytes },
    { mediaType: 'application/vnd.ollama.image.system', data: 'You are a test.' },
    {
      mediaType: 'application/vnd.ollama.image.params',
      data: JSON.stringify({ temperature: 0, num_ctx: 256 }),
    },
    { mediaType: 'application/vnd.ollama.image.license', data: 'MIT' },
  ]));
});
afterAll(async () => {
  await t?.close();
  await registry?.close();
});

describe('POST /api/pull from a registry', () => {
  it("streams Ollama's status lines and installs a usable multi-layer model", async () => {
    const res = await t.json('POST', '/api/pull', {
      model: `${registry.host}/library/tiny:q1`,
      insecure: true,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const out = await lines(res);
    const statuses = [...new Set(out.map((l) => l.status))];
    expect(statuses).toEqual([
      'pulling manifest',
      ...digests.map((d) => `pulling ${d.slice(7, 19)}`),
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    for (const d of digests) {
      const last = out.filter((l) => l.digest === d).at(-1)!;
      expect(last.total).toBeGreaterThan(0);
      expect(last.completed).toBe(last.total);
      expect(last.status).toBe(`pulling ${d.slice(7, 19)}`);
    }
    // The registry asked for a token and redirected blobs to storage.
    expect(registry.requests.some((r) => r.path === '/token')).toBe(true);
    expect(registry.requests.some((r) => r.path.startsWith('/storage/'))).toBe(true);
    expect(registry.bytesServed(digests[0])).toBe(modelBytes.length);

    const tags = (await (await t.app.request('/api/tags')).json()) as {
      models: Array<{ name: string; digest: string }>;
    };
    const listed = tags.models.find((m) => m.name === `${registry.host}/library/tiny:q1`);
    // The manifest is stored byte for byte, so its digest is the registry's.
    expect(listed?.digest).toBe(digestOf(JSON.stringify(registry.manifestOf('library/tiny:q1'))).slice(7));

    const show = (await (
      await t.json('POST', '/api/show', { model: `${registry.host}/library/tiny:q1` })
    ).json()) as {
      system: string;
      license: string;
    };
    expect(show.system).toBe('You are a test.');

    const gen = await t.json('POST', '/api/generate', {
      model: `${registry.host}/library/tiny:q1`,
      prompt: 'hello',
      stream: false,
      options: { num_predict: 3 },
    });
    expect(gen.status).toBe(200);
    const body = (await gen.json()) as { done: boolean; eval_count: number };
    expect(body.done).toBe(true);
    expect(body.eval_count).toBe(3);
  });

  it('pulls again without downloading what the store has, and answers stream: false with one object', async () => {
    registry.resetCounters();
    const res = await t.json('POST', '/api/pull', {
      model: `${registry.host}/library/tiny:q1`,
      insecure: true,
      stream: false,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success' });
    expect(registry.bytesServed()).toBe(0);
  });

  it('names the model when the registry has no such manifest', async () => {
    const res = await t.json('POST', '/api/pull', {
      model: `${registry.host}/library/nope:1`,
      insecure: true,
      stream: false,
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /model ".*library\/nope:1" not found in registry/,
    );
    const streamed = await lines(
      await t.json('POST', '/api/pull', { model: `${registry.host}/library/nope:1`, insecure: true }),
    );
    expect(streamed[0]).toEqual({ status: 'pulling manifest' });
    expect(streamed.at(-1)?.error).toMatch(/not found/);
  });

  it('reports a registry that refuses access as unauthorized', async () => {
    await registry.addModel('secret/model:latest', [
      { mediaType: 'application/vnd.ollama.image.model', data: 'x' },
    ]);
    registry.privateRepos.add('secret/model');
    const res = await t.json('POST', '/api/pull', {
      model: `${registry.host}/secret/model`,
      insecure: true,
      stream: false,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/refused a token/);
  });

  it('refuses plain HTTP unless insecure, and bad names before any request', async () => {
    const plain = await t.json('POST', '/api/pull', { model: `http://${registry.host}/library/tiny:q1` });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: string }).error).toMatch(/insecure/);
    const bad = await t.json('POST', '/api/pull', { model: '../etc/passwd' });
    expect(bad.status).toBe(400);
  });

  it('lists no pulls when none runs, and answers a cancel of nothing with 404', async () => {
    expect(await (await t.app.request('/api/pulls')).json()).toEqual({ pulls: [] });
    const res = await t.json('DELETE', '/api/pull', { model: `${registry.host}/library/tiny:q1` });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /no pull of .* is in progress or interrupted/,
    );
  });

  it('fails clearly when the registry cannot be reached', async () => {
    const res = await t.json('POST', '/api/pull', {
      model: '127.0.0.1:1/library/x',
      insecure: true,
      stream: false,
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /failed after \d+ attempts: .*ECONNREFUSED/,
    );
  }, 120_000);
});
