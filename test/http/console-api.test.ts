/**
 * The console's read-only endpoints: `/api/system` (sane numbers), `/api/logs` (the ring buffer pino feeds, with
 * level and component filters, secrets redacted before they reach it) and `/api/hf/files` (against a local
 * Hugging Face look-alike).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HfFilesResponse, LogsResponse, SystemInfo } from '../../src/api/index.js';
import { loadConfig } from '../../src/config/index.js';
import { LogRing } from '../../src/lib/index.js';
import { createLogger } from '../../src/logger.js';
import { startHuggingFace, type TestHuggingFace } from '../helpers/hf-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let hf: TestHuggingFace;

beforeAll(async () => {
  hf = await startHuggingFace({ token: 'hf_secret' });
  await hf.addRepo('acme/Tiny-GGUF', [
    { name: 'README.md', data: '# Tiny' },
    { name: 'tiny-Q8_0.gguf', data: 'eight' },
    { name: 'tiny-Q4_K_M.gguf', data: 'four k m' },
    { name: 'mmproj-tiny-Q4_K_M.gguf', data: 'projector' },
    { name: 'tiny-Q2_K-00001-of-00002.gguf', data: 'shard one' },
    { name: 'tiny-Q2_K-00002-of-00002.gguf', data: 'shard two' },
  ]);
  await hf.addRepo('acme/Readme-only', [{ name: 'README.md', data: '# nothing' }]);
  t = await createTestApp({ env: { CORRAL_HF_ENDPOINT: hf.url, HF_TOKEN: 'hf_secret' } });
});
afterAll(async () => {
  await t?.close();
  await hf?.close();
});

describe('GET /api/system', () => {
  it('reports versions, CPU, memory and the store with sane numbers', async () => {
    const res = await t.app.request('/api/system');
    expect(res.status).toBe(200);
    const s = (await res.json()) as SystemInfo;
    expect(s.version).toBe('9.9.9-test');
    expect(s.node).toBe(process.versions.node);
    expect(s.platform).toBe(process.platform);
    expect(s.arch).toBe(process.arch);
    expect(s.uptime_s).toBeGreaterThanOrEqual(0);
    expect(s.cpu.cores).toBeGreaterThan(0);
    expect(s.cpu.model.length).toBeGreaterThan(0);
    expect(s.memory.total_bytes).toBeGreaterThan(0);
    expect(s.memory.free_bytes).toBeGreaterThanOrEqual(0);
    expect(s.memory.free_bytes).toBeLessThanOrEqual(s.memory.total_bytes);
    expect(s.gpus).toEqual([]); // a CPU-only machine, and nothing is invented
    expect(s.store.path).toBe(t.config.models);
    expect(s.store.free_bytes).toBeLessThanOrEqual(s.store.total_bytes);
    expect(s.store.models_bytes).toBe(0);
    expect(s.loaded_models).toBe(0);
  });
});

describe('GET /api/logs', () => {
  const query = async (qs: string) => {
    const res = await t.app.request(`/api/logs${qs}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as LogsResponse).lines;
  };

  it('returns the newest lines, filtered by level and component, oldest first', async () => {
    const line = (level: number, component: string, msg: string, extra: object = {}) =>
      t.logs.write(JSON.stringify({ level, time: Date.now(), pid: 1, component, msg, ...extra }) + '\n');
    line(20, 'runner', 'debug detail');
    line(30, 'runner', 'model loaded', { model: 'tiny:latest', ms: 12 });
    line(40, 'http', 'slow request');
    line(50, 'runner', 'runner crashed', { code: 139 });

    const info = await query('');
    expect(info.map((l) => l.msg)).toEqual(['model loaded', 'slow request', 'runner crashed']);
    expect(info[0]).toMatchObject({ level: 'info', component: 'runner', model: 'tiny:latest', ms: 12 });
    expect(Date.parse(info[0]!.time)).not.toBeNaN();
    expect(info[0]).not.toHaveProperty('pid');

    expect((await query('?level=debug&component=runner')).map((l) => l.msg)).toEqual([
      'debug detail',
      'model loaded',
      'runner crashed',
    ]);
    expect((await query('?level=warn')).map((l) => l.level)).toEqual(['warn', 'error']);
    expect((await query('?level=debug&limit=2')).map((l) => l.msg)).toEqual([
      'slow request',
      'runner crashed',
    ]);
  });

  it('refuses a bad level or limit with 400', async () => {
    expect((await t.app.request('/api/logs?level=loud')).status).toBe(400);
    expect((await t.app.request('/api/logs?limit=0')).status).toBe(400);
  });

  it('keeps only the newest lines once full', () => {
    const ring = new LogRing(3);
    for (let i = 0; i < 5; i++) ring.write(JSON.stringify({ level: 30, time: 0, msg: `m${i}` }));
    expect(ring.query().map((l) => l.msg)).toEqual(['m2', 'm3', 'm4']);
    ring.write('not json');
    expect(ring.query().at(-1)).toMatchObject({ level: 'info', msg: 'not json' });
  });

  it('holds what pino wrote after redaction: no secrets reach the ring', async () => {
    const home = mkdtempSync(join(tmpdir(), 'corral-logs-'));
    try {
      const ring = new LogRing();
      const log = createLogger(loadConfig({ env: { CORRAL_HOME: home } }), { ring, stderr: false });
      const secret = 'corral_abc_SUPERSECRET';
      log.child({ component: 'auth' }).info(
        {
          req: { headers: { authorization: `Bearer ${secret}`, cookie: `s=${secret}` } },
          key: { token: secret },
        },
        'request',
      );
      log.flush();
      const lines = ring.query({ component: 'auth' });
      expect(lines).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toContain('SUPERSECRET');
      expect(lines[0]).toMatchObject({ key: { token: '[redacted]' } });
      // the log file opens asynchronously: let it, before its folder goes
      await vi.waitFor(() => expect(existsSync(join(home, 'logs', 'server.log'))).toBe(true));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('GET /api/hf/files', () => {
  it('lists the single-file GGUF models with their quantization and the default pick', async () => {
    const res = await t.app.request('/api/hf/files?repo=acme/Tiny-GGUF');
    expect(res.status).toBe(200);
    expect((await res.json()) as HfFilesResponse).toEqual({
      repo: 'acme/Tiny-GGUF',
      files: [
        { path: 'tiny-Q4_K_M.gguf', size: 8, quant: 'Q4_K_M' },
        { path: 'tiny-Q8_0.gguf', size: 5, quant: 'Q8_0' },
      ],
      default_quant: 'Q4_K_M',
    });
    expect(hf.cdnAuthorizations).toEqual([]);
  });

  it('answers an empty list for a repository without GGUF files, 404 for a missing one, 400 for a bad name', async () => {
    const empty = (await (
      await t.app.request('/api/hf/files?repo=acme/Readme-only')
    ).json()) as HfFilesResponse;
    expect(empty).toEqual({ repo: 'acme/Readme-only', files: [], default_quant: null });
    expect((await t.app.request('/api/hf/files?repo=acme/ghost')).status).toBe(404);
    expect((await t.app.request('/api/hf/files?repo=../etc')).status).toBe(400);
    expect((await t.app.request('/api/hf/files')).status).toBe(400);
  });
});
