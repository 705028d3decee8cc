/** Opens the SQLite file (creating its directory) with the pragmas a server needs. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError, type Logger } from '../core/index.js';
import type { Schema } from './schema.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const busyTimeoutMs = 5000;

/** Opens (or creates) the SQLite database at `path`; throws `DATABASE_UNAVAILABLE` naming the path. */
export function connectSqlite(path: string, log: Logger): Kysely<Schema> {
  let handle: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    handle = new BetterSqlite3(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError('DATABASE_UNAVAILABLE', `cannot open SQLite database ${path}: ${reason}`, {
      cause: err,
    });
  }
  try {
    // WAL: readers do not block the writer; NORMAL sync is durable across application crashes in WAL mode.
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma(`busy_timeout = ${busyTimeoutMs}`);
  } catch (err) {
    handle.close();
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError('DATABASE_UNAVAILABLE', `cannot use SQLite database ${path}: ${reason}`, {
      cause: err,
    });
  }
  log.info({ path }, 'database opened');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: handle }) });
}
