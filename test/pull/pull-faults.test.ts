/**
 * The puller against a misbehaving registry: mid-stream disconnects, corrupted blobs, 5xx answers, servers that
 * ignore `Range`, a full disk, interrupted and cancelled pulls, and concurrent pulls sharing one download.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { type FreeBytes, ModelPuller, type ModelPullerOptions, ModelStore } from '../../src/store/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';

const MB = 1024 * 1024;
const SIZE = 24 * MB; // three parts of 8 MiB with maxParts 4
let blob: Buffer;
let registry: TestRegistry;
let dir: string;
let store: ModelStore;
let puller: ModelPuller;
let n = 0;

async function openPuller(extra: Partial<ModelPullerOptions> = {}): Promise<ModelPuller> {
  return ModelPuller.open({
    store,
    maxParts: 4,
    retry: { retries: 4, baseMs: 5, maxMs: 50 },
    checkpointMs: 50,
    ...extra,
  });
}

/** Publish a fresh model (own blob digest, so counters are per test) and return its name and blob digest. */
async function publish(ns = 'faults'): Promise<{ name: string; digest: string; data: Buffer }> {
  const data = Buffer.concat([blob, Buffer.from(`model ${++n}`)]);
  const { digests } = await registry.addModel(`${ns}/m${n}:latest`, [
    { mediaType: 'application/vnd.ollama.image.model', data },
    { mediaType: 'application/vnd.ollama.image.system', data: `system ${n}` },
  ]);
  return { name: `${registry.host}/${ns}/m${n}`, digest: digests[0]!, data };
}

const partialFiles = () => readdirSync(join(dir, 'pulls', 'blobs'));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

beforeAll(async () => {
  blob = randomBytes(SIZE);
  registry = await startRegistry({ redirect: true });
});
afterAll(() => registry.close());
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corral-pull-'));
  store = await ModelStore.open(dir);
  puller = await openPuller();
});
afterEach(async () => {
  await puller.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pulling through faults', () => {
  it('resumes a part whose connection is cut mid-stream instead of starting over', async () => {
    const { name, digest, data } = await publish();
    registry.setFault(digest, { disconnectAfter: 5 * MB });
    await puller.pull(name, { insecure: true });
    expect(readFileSync(store.blobPath(digest)).equals(data)).toBe(true);
    expect(registry.bytesServed(digest)).toBeLessThan(data.length + 2 * MB);
    expect(
      registry.requests.filter((r) => r.range !== undefined && r.path.includes(digest.slice(7))).length,
    ).toBeGreaterThan(3);
    expect(partialFiles()).toEqual([]);
  });

  it('retries a connection that stalls, from where it stopped', async () => {
    await puller.close();
    puller = await openPuller({ stallTimeoutMs: 300 });
    const { name, digest, data } = await publish();
    registry.setFault(digest, { stallAfter: 3 * MB });
    await puller.pull(name, { insecure: true });
    expect(readFileSync(store.blobPath(digest)).equals(data)).toBe(true);
    expect(registry.bytesServed(digest)).toBeLessThan(data.length + 2 * MB);
  });

  it('never installs a corrupted blob, and removes its partial data', async () => {
    const { name, digest } = await publish();
    registry.setFault(digest, { corrupt: true });
    const err = await failure(puller.pull(name, { insecure: true }));
    expect(isAppError(err, 'DIGEST_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/corrupt: expected sha256:/);
    expect(await store.hasBlob(digest)).toBe(false);
    expect(await store.get(name)).toBeUndefined();
    expect(partialFiles()).toEqual([]);
    expect((await puller.list())[0]).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/corrupt/),
    });
  });

  it('retries 5xx answers with backoff', async () => {
    const { name } = await publish();
    registry.failNext(2, 503);
    await puller.pull(name, { insecure: true });
    expect(await store.get(name)).toBeDefined();
  });

  it('gets every byte right from a server that ignores Range', async () => {
    const { name, digest, data } = await publish();
    registry.setFault(digest, { noRanges: true });
    await puller.pull(name, { insecure: true });
    expect(readFileSync(store.blobPath(digest)).equals(data)).toBe(true);
  });

  it('refuses a pull that does not fit on the disk before downloading anything', async () => {
    await puller.close();
    const tiny: FreeBytes = () => Promise.resolve(10 * MB);
    puller = await openPuller({ freeBytes: tiny });
    const { name } = await publish();
    registry.resetCounters();
    const err = await failure(puller.pull(name, { insecure: true }));
    expect(isAppError(err, 'INSUFFICIENT_DISK')).toBe(true);
    expect((err as Error).message).toMatch(
      /not enough disk space .* needs 25\.\d MB more, but only 10\.5 MB is free/,
    );
    expect(registry.bytesServed()).toBe(0);
  });

  it('downloads each blob once for two concurrent pulls of the same model and of models sharing it', async () => {
    const { name, digest, data } = await publish();
    const { digests } = await registry.addModel('faults/sharing:latest', [
      { mediaType: 'application/vnd.ollama.image.model', data },
      { mediaType: 'application/vnd.ollama.image.system', data: 'other' },
    ]);
    expect(digests[0]).toBe(digest);
    registry.setFault(digest, { throttle: 40 * MB });
    const seen: string[] = [];
    await Promise.all([
      puller.pull(name, { insecure: true }),
      puller.pull(name, { insecure: true, onProgress: (p) => seen.push(p.status) }),
      puller.pull(`${registry.host}/faults/sharing`, { insecure: true }),
    ]);
    expect(registry.bytesServed(digest)).toBe(data.length);
    expect(seen.at(-1)).toBe('success');
    expect(await store.get(`${registry.host}/faults/sharing`)).toBeDefined();
  });

  it('keeps an interrupted pull resumable, lists it, and resumes where it stopped', async () => {
    const { name, digest, data } = await publish();
    registry.setFault(digest, { throttle: 16 * MB });
    const stop = new AbortController();
    const pulling = failure(
      puller.pull(name, {
        insecure: true,
        signal: stop.signal,
        onProgress: (p) =>
          p.digest === digest && (p.completed ?? 0) > 10 * MB && stop.abort(new Error('client went away')),
      }),
    );
    expect(await pulling).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 100)); // the download stops once its last follower left
    const [entry] = await puller.list();
    expect(entry).toMatchObject({
      model: `${name}:latest`,
      state: 'interrupted',
      error: expect.stringMatching(/was interrupted/),
    });
    expect(entry!.total).toBeGreaterThan(data.length); // the model blob, the system prompt and the config
    expect(entry!.completed).toBeGreaterThan(8 * MB);
    expect(partialFiles().length).toBe(2);

    registry.setFault(digest, {});
    const before = registry.bytesServed(digest);
    await puller.pull(name, { insecure: true });
    const after = registry.bytesServed(digest) - before;
    expect(after).toBeLessThanOrEqual(data.length - entry!.completed + 1024);
    expect(readFileSync(store.blobPath(digest)).equals(data)).toBe(true);
    expect(await puller.list()).toEqual([]);
  });

  it('cancels a running pull and removes its partial data', async () => {
    const { name, digest } = await publish();
    registry.setFault(digest, { throttle: 8 * MB });
    let started!: () => void;
    const progressing = new Promise<void>((r) => (started = r));
    const pulling = failure(
      puller.pull(name, { insecure: true, onProgress: (p) => (p.completed ?? 0) > 2 * MB && started() }),
    );
    await progressing;
    await puller.cancel(name);
    expect(isAppError(await pulling, 'CANCELLED')).toBe(true);
    expect(await puller.list()).toEqual([]);
    expect(partialFiles()).toEqual([]);
    await expect(puller.cancel(name)).rejects.toMatchObject({ code: 'PULL_NOT_FOUND' });
  });
});
