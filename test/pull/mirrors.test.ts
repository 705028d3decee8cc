/**
 * Registry mirrors (issue #12): a second and third test registry stand in as mirrors of the "default" registry
 * (the origin test registry, named by `mirrorOf` as `registry.ollama.ai` would be). Mirrors are tried in order
 * for the manifest and each blob, the origin last; a dead or corrupt mirror falls through to the next source.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError, type Logger } from '../../src/core/index.js';
import { readGguf } from '../../src/gguf/index.js';
import { digestOf } from '../../src/lib/index.js';
import { ModelPuller, type ModelPullerOptions, ModelStore } from '../../src/store/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { closedPortUrl, startRegistry, type TestRegistry } from '../helpers/registry-server.js';

const MODEL = 'library/tiny:q1';
let origin: TestRegistry;
let mirrorA: TestRegistry;
let mirrorB: TestRegistry;
let modelBytes: Buffer;
let digests: string[];
let dir: string;
let store: ModelStore;
let puller: ModelPuller | undefined;
const logged: Array<{ msg: string; obj: Record<string, unknown> }> = [];
const log: Logger = {
  debug: () => undefined,
  info: (obj, msg) => void logged.push({ obj: obj as Record<string, unknown>, msg }),
  warn: (obj, msg) => void logged.push({ obj: obj as Record<string, unknown>, msg }),
  error: (obj, msg) => void logged.push({ obj: obj as Record<string, unknown>, msg }),
  child: () => log,
};

async function openPuller(mirrors: string[], extra: Partial<ModelPullerOptions> = {}): Promise<ModelPuller> {
  puller = await ModelPuller.open({
    store,
    retry: { retries: 3, baseMs: 5, maxMs: 50 },
    registryMirrors: mirrors,
    mirrorOf: origin.host,
    log,
    ...extra,
  });
  return puller;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );
const name = () => `${origin.host}/${MODEL}`;
const served = (r: TestRegistry) => r.bytesServed(digests[0]);
const manifestGets = (r: TestRegistry) => r.requests.filter((q) => q.path.includes('/manifests/')).length;
const sourceOf = (digest: string) =>
  logged.find((l) => l.msg === 'blob downloaded' && l.obj.digest === digest)?.obj.source;

/** The pulled model is installed byte for byte and its weights parse as GGUF. */
async function expectUsable(): Promise<void> {
  const stored = await store.get(name());
  expect(stored).toBeDefined();
  const path = store.blobPath(digests[0]!);
  expect(digestOf(readFileSync(path))).toBe(digests[0]);
  expect((await readGguf(path)).tensors.length).toBeGreaterThan(0);
  expect(readdirSync(join(dir, 'pulls', 'blobs'))).toEqual([]);
}

beforeAll(async () => {
  modelBytes = readFileSync(await tinyModelPath({ eos: 'never' }));
  [origin, mirrorA, mirrorB] = await Promise.all([
    startRegistry(),
    startRegistry(),
    startRegistry({ redirect: true }),
  ]);
  for (const r of [origin, mirrorA, mirrorB]) {
    ({ digests } = await r.addModel(MODEL, [
      { mediaType: 'application/vnd.ollama.image.model', data: modelBytes },
      { mediaType: 'application/vnd.ollama.image.system', data: 'You are a test.' },
    ]));
  }
});
afterAll(async () => {
  await Promise.all([origin, mirrorA, mirrorB].map((r) => r?.close()));
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corral-mirrors-'));
  store = await ModelStore.open(dir);
  logged.length = 0;
  for (const r of [origin, mirrorA, mirrorB]) {
    r.resetCounters();
    r.setFault(digests[0]!, {});
  }
});
afterEach(async () => {
  await puller?.close();
  puller = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('registry mirrors', () => {
  it('skips a mirror that is down and pulls everything from the next one', async () => {
    const down = await closedPortUrl();
    const p = await openPuller([down, mirrorB.url]);
    await p.pull(name(), { insecure: true });
    await expectUsable();
    expect(served(mirrorB)).toBe(modelBytes.length);
    expect(manifestGets(mirrorB)).toBe(1);
    expect(origin.requests).toEqual([]);
    for (const d of digests) expect(sourceOf(d)).toBe(mirrorB.url);
    expect(
      logged.some((l) => l.msg === 'manifest source failed, trying the next' && l.obj.source === down),
    ).toBe(true);
  });

  it('refetches a blob a mirror serves corrupt from the origin, and installs only the right bytes', async () => {
    mirrorA.setFault(digests[0]!, { corrupt: true });
    const p = await openPuller([mirrorA.url]);
    await p.pull(name(), { insecure: true });
    await expectUsable();
    expect(manifestGets(mirrorA)).toBe(1);
    expect(manifestGets(origin)).toBe(0);
    expect(served(mirrorA)).toBe(modelBytes.length); // fetched whole, failed the digest check
    expect(served(origin)).toBe(modelBytes.length); // then fetched again from the origin
    expect(sourceOf(digests[0]!)).toBe(origin.url);
    expect(sourceOf(digests[1]!)).toBe(mirrorA.url); // the mirror's other blobs were fine
    const fell = logged.find((l) => l.msg === 'blob source failed, trying the next');
    expect(fell?.obj).toMatchObject({ digest: digests[0], source: mirrorA.url });
    expect(String(fell?.obj.err)).toMatch(/corrupt: expected sha256:/);
  });

  it('falls back to the origin when a mirror has no such model or blob (404)', async () => {
    const empty = await startRegistry();
    const partial = await startRegistry();
    try {
      await partial.addModel(MODEL, [
        { mediaType: 'application/vnd.ollama.image.model', data: modelBytes },
        { mediaType: 'application/vnd.ollama.image.system', data: 'You are a test.' },
      ]);
      partial.dropBlob(digests[0]!);
      const p = await openPuller([empty.url, partial.url]);
      await p.pull(name(), { insecure: true });
      await expectUsable();
      expect(manifestGets(empty)).toBe(1);
      expect(manifestGets(partial)).toBe(1);
      expect(manifestGets(origin)).toBe(0);
      expect(served(origin)).toBe(modelBytes.length);
      expect(sourceOf(digests[0]!)).toBe(origin.url);
      expect(sourceOf(digests[1]!)).toBe(partial.url);
    } finally {
      await Promise.all([empty.close(), partial.close()]);
    }
  });

  it('fails with NETWORK_ERROR naming every source when all are down', async () => {
    const [m1, m2, dead] = await Promise.all([closedPortUrl(), closedPortUrl(), closedPortUrl()]);
    const host = new URL(dead).host;
    const p = await openPuller([m1, m2], { mirrorOf: host });
    const err = await failure(p.pull(`${host}/${MODEL}`, { insecure: true }));
    expect(isAppError(err, 'NETWORK_ERROR')).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/failed from every source/);
    expect(message).toContain(`mirror ${m1} (`);
    expect(message).toContain(`mirror ${m2} (`);
    expect(message).toContain(`${host} (`);
    expect(message).toMatch(/ECONNREFUSED/);
  });

  it('leaves other registries alone: mirrors stand in for the default registry only', async () => {
    const p = await openPuller([mirrorA.url], { mirrorOf: 'registry.ollama.ai' });
    await p.pull(name(), { insecure: true });
    await expectUsable();
    expect(mirrorA.requests).toEqual([]);
    expect(served(origin)).toBe(modelBytes.length);
  });
});
