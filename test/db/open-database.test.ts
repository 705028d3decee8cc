import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isAppError, silentLogger } from '../../src/core/index.js';
import { openDatabase, redactDatabaseUrl } from '../../src/db/index.js';
import pg from 'pg';
import { testDatabases, testPostgresUrl } from '../helpers/test-databases.js';

/** How many server connections are open to the database of `url` (PostgreSQL). */
async function connectionsTo(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    const r = await admin.query<{ n: string }>(
      'select count(*) as n from pg_stat_activity where datname = $1',
      [new URL(url).pathname.slice(1)],
    );
    return Number(r.rows[0]!.n);
  } finally {
    await admin.end();
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

describe.each(testDatabases)('openDatabase on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('lifecycle', () => {
    it('reports its dialect, answers ping, and migrates idempotently (open twice)', async () => {
      const opened = await tdb.open();
      try {
        const first = await openDatabase(opened.options);
        expect(first.dialect).toBe(tdb.kind);
        await first.ping();
        const user = await first.users.create({ name: 'survivor', role: 'admin', passwordHash: null });
        await first.close();

        await using second = await openDatabase(opened.options);
        await second.ping();
        expect(await second.users.get(user.id)).toEqual(user);
      } finally {
        await opened.cleanup();
      }
    });

    it('close is idempotent, ends the connection, and ping afterwards rejects with DATABASE_UNAVAILABLE', async () => {
      const opened = await tdb.open();
      try {
        const db = await openDatabase(opened.options);
        await db.users.count();
        if (tdb.kind === 'postgres') expect(await connectionsTo(opened.options.url!)).toBeGreaterThan(0);
        await Promise.all([db.close(), db.close()]);
        if (tdb.kind === 'postgres') expect(await connectionsTo(opened.options.url!)).toBe(0);
        await db[Symbol.asyncDispose]();
        await expect(db.ping()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
        await expect(db.users.count()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      } finally {
        await opened.cleanup();
      }
    });
  });
});

describe.skipIf(!testDatabases.find((d) => d.kind === 'postgres')!.available)('PostgreSQL', () => {
  const postgres = testDatabases.find((d) => d.kind === 'postgres')!;

  it('two concurrent opens of one fresh database both migrate it and succeed', async () => {
    const opened = await postgres.open();
    try {
      const [a, b] = await Promise.all([openDatabase(opened.options), openDatabase(opened.options)]);
      await a.users.create({ name: 'from-a', role: 'user', passwordHash: null });
      expect((await b.users.getByName('from-a'))?.name).toBe('from-a');
      await Promise.all([a.close(), b.close()]);
    } finally {
      await opened.cleanup();
    }
  });
});

describe('openDatabase failures', () => {
  it('a PostgreSQL URL on a closed port is DATABASE_UNAVAILABLE naming the host, never the password', async () => {
    const port = await closedPort();
    const url = `postgres://corral:s3cret-pw@127.0.0.1:${port}/corral`;
    const err: unknown = await openDatabase({ url, log: silentLogger }).catch((e: unknown) => e);
    expect(isAppError(err, 'DATABASE_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it('a URL that is not PostgreSQL, or no URL and no SQLite path, is CONFIG_INVALID', async () => {
    await expect(openDatabase({ url: 'mysql://x@y/z', log: silentLogger })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(openDatabase({ log: silentLogger })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('an SQLite path that cannot be created is DATABASE_UNAVAILABLE naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-db-bad-'));
    try {
      await writeFile(join(dir, 'file'), 'not a directory');
      const sqlitePath = join(dir, 'file', 'corral.db');
      await expect(openDatabase({ sqlitePath, log: silentLogger })).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringContaining(sqlitePath),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('SQLite: creates the parent directory and uses WAL mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-db-wal-'));
    try {
      const sqlitePath = join(dir, 'nested', 'deeper', 'corral.db');
      const db = await openDatabase({ sqlitePath, log: silentLogger });
      await db.close();
      expect(existsSync(sqlitePath)).toBe(true);
      const raw = new BetterSqlite3(sqlitePath, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        raw.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['postgres://u:pw@db.example:5432/corral', 'postgres://u:***@db.example:5432/corral'],
    [
      'postgres://u@db.example/corral?password=pw&sslmode=require',
      'postgres://u@db.example/corral?password=***&sslmode=require',
    ],
    ['not a url :pw', '(invalid database URL)'],
  ])('redactDatabaseUrl(%s)', (url, expected) => {
    expect(redactDatabaseUrl(url).replace('%2A%2A%2A', '***')).toBe(expected);
  });
});
