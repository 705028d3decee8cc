/**
 * PostgreSQL going away: at start the server refuses clearly; mid-run, requests that need the database answer
 * 503 DATABASE_UNAVAILABLE, `/readyz` says which check fails, nothing crashes, and when PostgreSQL is back the
 * same server serves again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isAppError } from '../../src/core/index.js';
import { startServer } from '../../src/server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { findPostgresBinaries, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const binaries = findPostgresBinaries();
const available = 'bindir' in binaries;
if (!available) console.log(`database outage tests skipped: ${binaries.reason}`);

describe.skipIf(!available)('database outage', () => {
  let pg: TestPostgres;
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    pg = await startPostgres((binaries as { bindir: string }).bindir);
    t = await createTestApp({ env: { CORRAL_AUTH: 'on' }, database: { url: pg.url } });
    key = (await t.auth.accounts.createKey({ name: 'ops', role: 'operator' })).token;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await pg?.stop();
  });

  const tags = () => t.app.request('/api/tags', { headers: { authorization: `Bearer ${key}` } });

  it('answers 503 while PostgreSQL is down and recovers by itself when it returns', async () => {
    expect((await tags()).status).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);

    pg.pause();
    const down = await tags();
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: string }).error).toMatch(/database/i);
    await new Promise((r) => setTimeout(r, 500)); // the pool's sockets see the server go away meanwhile
    const ready = await t.app.request('/readyz');
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { failed: Array<{ name: string }> };
    expect(body.failed.map((f) => f.name)).toEqual(['database']);
    expect((await t.app.request('/api/version')).status).toBe(200); // what needs no database still works

    pg.resume();
    await expect.poll(async () => (await tags()).status, { timeout: 20_000, interval: 250 }).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);
  });

  it('survives PostgreSQL crashing under it: connections that die are errors, never a process crash', async () => {
    expect((await tags()).status).toBe(200);
    await Promise.all([tags(), tags(), t.app.request('/readyz')]); // several pooled connections in use
    pg.crash();
    await new Promise((r) => setTimeout(r, 500)); // every pooled socket sees the server die
    expect((await tags()).status).toBe(503);
    expect((await t.app.request('/readyz')).status).toBe(503);
    expect((await t.app.request('/api/version')).status).toBe(200);
  });

  it('refuses to start when the database cannot be reached, naming it without the password', async () => {
    const config = loadConfig({
      env: {
        CORRAL_HOME: t.home,
        CORRAL_HOST: '127.0.0.1:0',
        CORRAL_LOG_LEVEL: 'silent',
        CORRAL_DATABASE_URL: 'postgres://corral:s3cret@127.0.0.1:1/corral',
      },
    });
    const error = await startServer(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isAppError(error, 'DATABASE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
