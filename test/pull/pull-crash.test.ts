/**
 * SIGKILL halfway through a large blob: after a restart the pull is listed as interrupted, pulling again
 * completes it while downloading only what the journal did not record (measured in bytes the registry served),
 * and the model runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { checkStoreConsistency } from '../../src/store/index.js';
import { crashModelPath } from '../fixtures/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { spawnServer } from '../helpers/server-process.js';

const MB = 1024 * 1024;
let home: string;
let registry: TestRegistry;
let digest: string;
let size: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'corral-pull-crash-'));
  const path = await crashModelPath();
  registry = await startRegistry({ redirect: true });
  const published = await registry.addModel('crash/big:latest', [
    { mediaType: 'application/vnd.ollama.image.model', data: { path } },
    { mediaType: 'application/vnd.ollama.image.params', data: JSON.stringify({ num_ctx: 256 }) },
  ]);
  digest = published.digests[0]!;
  size = (published.manifest as { layers: Array<{ size: number }> }).layers[0]!.size;
}, 120_000);
afterAll(async () => {
  await registry?.close();
  rmSync(home, { recursive: true, force: true });
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGKILL during a pull', () => {
  it('resumes after a restart and downloads less than the remaining half again', async () => {
    const env = { CORRAL_HOME: home, CORRAL_PULL_PARTS: '2' };
    const model = `${registry.host}/crash/big`;
    // Two parts at 3 MB/s each: the whole blob takes ~6 s, so "halfway" is a wide, reliable window, and the
    // bytes received after the last checkpoint (every 500 ms) stay well under the margin below.
    registry.setFault(digest, { throttle: 3 * MB });

    const first = await spawnServer(env);
    const pulling = new Client({ baseUrl: first.url }).pull({ model, insecure: true }).then(
      () => 'finished',
      () => 'failed',
    );
    await until(() => registry.bytesServed(digest) >= size / 2, 30_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(await pulling).toBe('failed');
    const servedBeforeKill = registry.bytesServed(digest);
    expect(servedBeforeKill).toBeLessThan(size);

    const second = await spawnServer(env);
    try {
      const client = new Client({ baseUrl: second.url });
      const { pulls } = await client.pulls();
      expect(pulls).toHaveLength(1);
      expect(pulls[0]).toMatchObject({ model: `${model}:latest`, state: 'interrupted' });
      const recorded = pulls[0]!.completed;
      expect(recorded).toBeGreaterThan(size / 4);

      registry.resetCounters();
      registry.setFault(digest, {});
      const last = await client.pull({ model, insecure: true });
      expect(last.status).toBe('success');
      const servedAfter = registry.bytesServed(digest);
      // Only what the journal had not recorded is fetched again: less than the remaining half plus a margin
      // for the bytes received after the last checkpoint.
      // (The model layer is fetched first, so everything recorded so far is of the large blob.)
      expect(servedAfter).toBeLessThanOrEqual(size - recorded + 64 * 1024);
      expect(servedAfter).toBeLessThan(size / 2 + 8 * MB);
      expect((await client.pulls()).pulls).toEqual([]);
      expect((await checkStoreConsistency(join(home, 'models'))).problems).toEqual([]);

      const answer = await client.generate({
        model,
        prompt: 'hi',
        stream: false,
        options: { num_predict: 2 },
      });
      expect(answer.done).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }
  });
});
