/**
 * Killing the server with SIGKILL in the middle of `create` must leave the store consistent: no manifest that
 * names a missing or partial blob, no blob whose name does not match its content; and the next start cleans
 * temporary files and can create the model.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { checkStoreConsistency, TEMP_PREFIX } from '../../src/store/index.js';
import { crashModelPath } from '../fixtures/index.js';
import { spawnServer } from '../helpers/server-process.js';

let home: string;
let bigModel: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'corral-crash-'));
  bigModel = await crashModelPath();
}, 120_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function waitForTempFile(dir: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    if (existsSync(dir) && readdirSync(dir).some((name) => name.startsWith(TEMP_PREFIX))) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error('the blob copy never started');
}

const tempFiles = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.name.startsWith(TEMP_PREFIX));

describe('SIGKILL during create', () => {
  it('leaves the store consistent at every kill point, and the next start recovers', async () => {
    const models = join(home, 'models');
    const outcomes: string[] = [];
    let killedMidWrite = 0;
    // Kill points: shortly after the request is sent, at several moments after the blob's temp file appears
    // (mid-copy), and late (around completion). Each round starts from an empty store, so the blob is copied anew.
    // The last kill is right after the copy starts, so the restart below has leftovers to clean.
    const kills: Array<{ after: 'request' | 'temp file'; ms: number }> = [
      { after: 'request', ms: 5 },
      { after: 'request', ms: 1500 },
      { after: 'temp file', ms: 120 },
      { after: 'temp file', ms: 40 },
      { after: 'temp file', ms: 10 },
      { after: 'temp file', ms: 0 },
    ];
    for (const kill of kills) {
      rmSync(models, { recursive: true, force: true });
      const server = await spawnServer({ CORRAL_HOME: home });
      const client = new Client({ baseUrl: server.url });
      const request = client
        .create({ model: `crash-${kill.ms}`, modelfile: `FROM ${bigModel}\nSYSTEM crash test\n` })
        .then(
          () => 'finished',
          () => 'failed',
        );
      if (kill.after === 'temp file') await waitForTempFile(join(models, 'blobs'));
      await new Promise((r) => setTimeout(r, kill.ms));
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      outcomes.push(await request);
      if (tempFiles(models).length > 0) killedMidWrite += 1;
      const report = await checkStoreConsistency(models);
      expect(report.problems, `kill ${kill.ms} ms after ${kill.after}`).toEqual([]);
    }

    // The kills really interrupted writes (temp files were left behind), not just idle servers.
    expect(killedMidWrite, `outcomes ${outcomes.join(',')}`).toBeGreaterThan(0);

    // A fresh start removes leftovers and a create now succeeds and is listed.
    expect(tempFiles(models).length).toBeGreaterThan(0);
    const server = await spawnServer({ CORRAL_HOME: home });
    try {
      expect(tempFiles(models)).toEqual([]);
      const client = new Client({ baseUrl: server.url });
      await client.create({ model: 'after-crash', modelfile: `FROM ${bigModel}\n` });
      const names = (await client.list()).models.map((m) => m.name);
      expect(names).toContain('after-crash:latest');
      const report = await checkStoreConsistency(models);
      expect(report.ok).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });
});
