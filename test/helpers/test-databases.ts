/**
 * The databases every database-backed test runs against: SQLite always, PostgreSQL when the global setup
 * started one (`CORRAL_TEST_POSTGRES_URL`). Use with `describe.each(testDatabases)` and
 * `describe.skipIf(!db.available)`. Each `open()` gets a fresh database: a temp file, or a
 * `corral_test_<random>` database on the shared server, dropped again by `cleanup()`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger, type Logger } from '../../src/core/index.js';
import type { OpenDatabaseOptions } from '../../src/db/index.js';

/** A fresh database for one test file (or test): options for `openDatabase`, and its removal. */
export interface OpenedTestDatabase {
  options: OpenDatabaseOptions;
  /** Removes the database; close the `Database` first. */
  cleanup(): Promise<void>;
}

/** One dialect to run tests against. */
export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  available: boolean;
  open(log?: Logger): Promise<OpenedTestDatabase>;
}

/** The admin URL of the test server started by `test/global-setup.ts`, if any. */
export const testPostgresUrl: string | undefined = process.env.CORRAL_TEST_POSTGRES_URL || undefined;

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const sqlite: TestDatabase = {
  kind: 'sqlite',
  available: true,
  async open(log = silentLogger) {
    const dir = await mkdtemp(join(tmpdir(), 'corral-test-db-'));
    return {
      options: { sqlitePath: join(dir, 'corral.db'), log },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: TestDatabase = {
  kind: 'postgres',
  available: testPostgresUrl !== undefined,
  async open(log = silentLogger) {
    if (testPostgresUrl === undefined)
      throw new Error('no test PostgreSQL server (CORRAL_TEST_POSTGRES_URL)');
    const name = `corral_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(testPostgresUrl);
    url.pathname = `/${name}`;
    return {
      options: { url: url.toString(), log },
      // FORCE ends connections a failed test left open (PostgreSQL 13+).
      cleanup: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  },
};

/** Every dialect, SQLite first. */
export const testDatabases: TestDatabase[] = [sqlite, postgres];
