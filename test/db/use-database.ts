/** Opens one fresh database of a dialect for a whole `describe` block and removes it afterwards. */
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.js';
import type { OpenedTestDatabase, TestDatabase } from '../helpers/test-databases.js';

/** Registers beforeAll/afterAll hooks; call the returned function inside tests to get the database. */
export function useDatabase(tdb: TestDatabase): () => Database {
  let opened: OpenedTestDatabase | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    opened = await tdb.open();
    db = await openDatabase(opened.options);
  });
  afterAll(async () => {
    await db?.close();
    await opened?.cleanup();
  });
  return () => {
    if (db === undefined) throw new Error('database not open yet');
    return db;
  };
}

/** A name no other test in the run uses. */
export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Waits so that the next row gets a later millisecond timestamp than the previous one. */
export function nextMillisecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3));
}
