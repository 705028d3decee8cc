/** `POST /api/push` to a local registry: uploads, skipping blobs the registry has, and a round trip via pull. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let registry: TestRegistry;
let name: string;

type Line = { status: string; digest?: string; total?: number; completed?: number; error?: string };
const lines = async (res: Response) =>
  (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  registry = await startRegistry({ token: 'push-token' });
  t = await createTestApp();
  name = `${registry.host}/team/tiny:v1`;
  const created = await t.json('POST', '/api/create', {
    model: name,
    modelfile: `FROM ${await tinyModelPath()}\nSYSTEM pushed\nPARAMETER temperature 0\n`,
    stream: false,
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await registry?.close();
});

describe('POST /api/push', () => {
  it("uploads every blob and the manifest with Ollama's status lines", async () => {
    const local = (await t.store.get(name))!;
    const digests = [...local.manifest.layers.map((l) => l.digest), local.manifest.config.digest];
    const out = await lines(await t.json('POST', '/api/push', { model: name, insecure: true }));
    expect([...new Set(out.map((l) => l.status))]).toEqual([
      'retrieving manifest',
      ...digests.map((d) => `pushing ${d.slice(7, 19)}`),
      'pushing manifest',
      'success',
    ]);
    for (const d of digests) {
      expect(registry.hasBlob(d)).toBe(true);
      expect(out.filter((l) => l.digest === d).at(-1)).toMatchObject({
        completed: expect.any(Number) as number,
      });
    }
    expect(registry.manifestOf('team/tiny:v1')).toMatchObject({
      layers: local.manifest.layers.map((l) => ({ digest: l.digest })),
    });
  });

  it('skips blobs the registry already has', async () => {
    registry.resetCounters();
    const res = await t.json('POST', '/api/push', { model: name, insecure: true, stream: false });
    expect(await res.json()).toEqual({ status: 'success' });
    expect(
      registry.requests.filter(
        (r) => r.method === 'POST' || (r.method === 'PUT' && r.path.includes('/uploads/')),
      ),
    ).toEqual([]);
  });

  it('round-trips: another server pulls what was pushed', async () => {
    const other = await createTestApp();
    try {
      const res = await other.json('POST', '/api/pull', { model: name, insecure: true, stream: false });
      expect(await res.json()).toEqual({ status: 'success' });
      const show = (await (await other.json('POST', '/api/show', { model: name })).json()) as {
        system: string;
      };
      expect(show.system).toBe('pushed');
    } finally {
      await other.close();
    }
  });

  it('fails clearly for a missing model and a registry that refuses the push', async () => {
    const missing = await t.json('POST', '/api/push', {
      model: `${registry.host}/team/none`,
      insecure: true,
      stream: false,
    });
    expect(missing.status).toBe(404);
    registry.privateRepos.add('team/locked');
    const copied = await t.json('POST', '/api/copy', {
      source: name,
      destination: `${registry.host}/team/locked`,
    });
    expect(copied.status).toBe(200);
    const refused = await t.json('POST', '/api/push', {
      model: `${registry.host}/team/locked`,
      insecure: true,
      stream: false,
    });
    expect(refused.status).toBe(401);
  });
});
