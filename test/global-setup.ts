/**
 * Vitest global setup: tests must never touch the developer's real ~/.corral, so CORRAL_HOME points into a
 * temporary directory for the whole run. It also starts a throwaway PostgreSQL server, so database-backed tests
 * run on both dialects; its URL goes to CORRAL_TEST_POSTGRES_URL, which the forked test workers inherit.
 * Without PostgreSQL those tests are skipped, unless CORRAL_TEST_REQUIRE_POSTGRES=1 (CI), which fails the run.
 * A preset CORRAL_TEST_POSTGRES_URL is used as it is (an external server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.js';

async function startTestPostgres(): Promise<TestPostgres | undefined> {
  if (process.env.CORRAL_TEST_POSTGRES_URL) return undefined;
  const required = process.env.CORRAL_TEST_REQUIRE_POSTGRES === '1';
  const found = findPostgresBinaries();
  if ('reason' in found) {
    if (required) throw new Error(`CORRAL_TEST_REQUIRE_POSTGRES=1 but ${found.reason}`);
    console.warn(`PostgreSQL tests skipped: ${found.reason}`);
    return undefined;
  }
  try {
    const server = await startPostgres(found.bindir);
    process.env.CORRAL_TEST_POSTGRES_URL = server.url;
    return server;
  } catch (err) {
    if (required) throw err;
    // Not required: report why and run the SQLite half of the suite.
    console.warn(`PostgreSQL tests skipped: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'corral-test-home-'));
  process.env.CORRAL_HOME = home;
  const postgres = await startTestPostgres();
  return async () => {
    try {
      await postgres?.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}
