/** Opens the configured database (SQLite by default, PostgreSQL for a `postgres://` URL) and migrates it. */
import type { Kysely } from 'kysely';
import { AppError, type Logger } from '../core/index.js';
import { connectPostgres } from './connect-postgres.js';
import { connectSqlite } from './connect-sqlite.js';
import { createDatabase, type Database } from './database.js';
import { migrateToLatest } from './migrations/migrate.js';
import type { Dialect, Schema } from './schema.js';

/** Where the database lives. */
export interface OpenDatabaseOptions {
  /** `postgres://user:password@host:port/database`; absent: SQLite at {@link OpenDatabaseOptions.sqlitePath}. */
  url?: string;
  /** The SQLite file (its directory is created); required when `url` is absent. */
  sqlitePath?: string;
  log: Logger;
}

function chooseDialect(o: OpenDatabaseOptions): Dialect {
  if (o.url !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(o.url)) {
      throw new AppError('CONFIG_INVALID', 'the database URL must start with postgres:// or postgresql://');
    }
    return 'postgres';
  }
  if (o.sqlitePath === undefined || o.sqlitePath === '') {
    throw new AppError('CONFIG_INVALID', 'either a PostgreSQL URL or a SQLite file path is required');
  }
  return 'sqlite';
}

/**
 * Opens the database and migrates it to the latest schema before resolving. Fails with
 * `DATABASE_UNAVAILABLE` when it cannot be reached or migrated (the message names the host or file, never a
 * password) and `CONFIG_INVALID` for a URL that is not PostgreSQL's.
 */
export async function openDatabase(o: OpenDatabaseOptions): Promise<Database> {
  const dialect = chooseDialect(o);
  const log = o.log.child({ component: 'db', dialect });
  const db: Kysely<Schema> =
    dialect === 'postgres' ? await connectPostgres(o.url ?? '', log) : connectSqlite(o.sqlitePath ?? '', log);
  try {
    await migrateToLatest(db, dialect, log);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createDatabase(db, dialect);
}
