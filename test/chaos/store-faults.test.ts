/**
 * Store faults (docs/reliability.md §Fault injection): SIGKILL of the server while it deletes models, and a
 * full disk while a model is created (a real tiny tmpfs, so every write path meets ENOSPC for real). The store
 * stays consistent, the server answers with a catalogued error (not a 500), and recovers once there is room.
 * (SIGKILL during create: test/e2e/create-crash.test.ts; during a pull: test/pull/pull-crash.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { checkStoreConsistency } from '../../src/store/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { spawnServer } from '../helpers/server-process.js';
import { createTestApp } from '../helpers/test-app.js';
import { report, scale } from './chaos.js';

let modelPath: string;
beforeAll(async () => {
  modelPath = await tinyModelPath();
}, 120_000);

describe('SIGKILL during delete', () => {
  let home: string;
  beforeAll(() => (home = mkdtempSync(join(tmpdir(), 'corral-chaos-delete-'))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('leaves the store consistent at every kill point; survivors still work after a restart', async () => {
    const models = join(home, 'models');
    // Kill points from "before the first delete" to "around the last" (a delete takes a few ms).
    const delays = scale(1, 0) ? [0, 12, 16, 45] : [0, 2, 5, 8, 12, 16, 20, 30, 45, 60, 90, 150];
    const kills = delays.length;
    const outcomes: string[] = [];
    for (let round = 0; round < kills; round++) {
      const server = await spawnServer({ CORRAL_HOME: home });
      const client = new Client({ baseUrl: server.url });
      // Models that share the big blob, so deleting one must keep it and deleting all must remove it.
      const names = ['base', 'd1', 'd2', 'd3', 'd4'];
      await client.create({ model: 'base', modelfile: `FROM ${modelPath}\n` });
      for (const n of names.slice(1))
        await client.create({ model: n, modelfile: `FROM base\nSYSTEM ${n} ${round}\n` });
      const deletes = names.map((n) =>
        fetch(`${server.url}/api/delete`, { method: 'DELETE', body: JSON.stringify({ model: n }) }).then(
          (r) => String(r.status),
          () => 'cut',
        ),
      );
      await new Promise((r) => setTimeout(r, delays[round]));
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      outcomes.push((await Promise.all(deletes)).join('/'));
      const check = await checkStoreConsistency(models);
      expect(check.problems, `round ${round}`).toEqual([]);

      // A restart lists the survivors, each of which still shows and can be deleted.
      const again = await spawnServer({ CORRAL_HOME: home });
      try {
        const c2 = new Client({ baseUrl: again.url });
        for (const m of (await c2.list()).models) {
          await c2.show({ model: m.name });
          await c2.delete({ model: m.name });
        }
        expect((await c2.list()).models).toEqual([]);
      } finally {
        again.child.kill('SIGTERM');
        expect((await again.exited).code).toBe(0);
      }
    }
    report('sigkill-delete', { rounds: kills, outcomes });
  }, 300_000);
});

/** Mount a tmpfs of `size` at a fresh directory; undefined when mounting is not allowed here. */
function mountTmpfs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'corral-chaos-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const tmpfs = mountTmpfs('4m');

describe.skipIf(tmpfs === undefined)('disk full while creating a model (tmpfs)', () => {
  afterAll(() => {
    execFileSync('umount', [tmpfs!]);
    rmSync(tmpfs!, { recursive: true, force: true });
  });

  it('answers INSUFFICIENT_DISK at every write, stays consistent, and recovers with room', async () => {
    const models = join(tmpfs!, 'models');
    const t = await createTestApp({ env: { CORRAL_MODELS: models } });
    const fill = join(tmpfs!, 'fill');
    try {
      const base = await t.json('POST', '/api/create', {
        model: 'base',
        modelfile: `FROM ${modelPath}\n`,
        stream: false,
      });
      expect(base.status).toBe(200);
      // Fill the rest with one-page files until the disk refuses.
      mkdirSync(fill);
      let pages = 0;
      for (;;) {
        try {
          writeFileSync(join(fill, String(pages)), Buffer.alloc(4096, 1));
          pages++;
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
          break;
        }
      }
      // Give back one page at a time: each create gets further (system blob, config blob, manifest) until it fits;
      // a failed attempt may leave unreferenced blobs (collected later), never a manifest without its blobs.
      const statuses: string[] = [];
      let created = false;
      const blobs = () => readdirSync(join(models, 'blobs')).filter((n) => n.startsWith('sha256-')).length;
      const blobsBefore = blobs();
      let failedAtManifest = 0; // failures after the new blobs were written: the manifest write met the full disk
      for (let freed = 0; freed < 64 && !created; freed++) {
        if (freed > 0) await rm(join(fill, String(pages - freed)));
        const res = await t.json('POST', '/api/create', {
          model: `d${freed}`,
          // The same layers every time: blobs an attempt managed to write are reused by the next.
          modelfile: 'FROM base\nSYSTEM a system prompt\n',
          stream: false,
        });
        const text = await res.text();
        statuses.push(`${res.status}`);
        if (res.status === 200) created = true;
        else {
          expect(res.status, text).toBe(507);
          expect(text).toMatch(/disk|space/i);
          if (blobs() > blobsBefore) failedAtManifest++;
        }
        expect((await checkStoreConsistency(models)).problems).toEqual([]);
        expect((await t.json('POST', '/api/show', { model: 'base' })).status).toBe(200);
      }
      expect(statuses[0]).toBe('507');
      expect(created, 'a create succeeds once enough pages are free').toBe(true);
      expect(failedAtManifest, 'some create failed at the manifest write').toBeGreaterThan(0);
      await rm(fill, { recursive: true });
      const after = await t.json('POST', '/api/create', {
        model: 'after',
        modelfile: 'FROM base\nSYSTEM x\n',
        stream: false,
      });
      expect(after.status).toBe(200);
      report('disk-full-create', {
        pagesFilled: pages,
        statusesPerFreedPage: statuses.join(','),
        failedAtManifest,
      });
    } finally {
      await t.close();
    }
  });
});
