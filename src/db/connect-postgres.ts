/** Connects to PostgreSQL with a `pg` pool and checks that the server answers before anything else runs. */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError, type Logger } from '../core/index.js';
import type { Schema } from './schema.js';

const int8Oid = 20;

/**
 * Per-pool type parsers (never the global `pg.types`, which other code may rely on): `bigint` (the audit id,
 * `count(*)`) as a JS number instead of a string; audit ids stay far below 2^53.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
    oid === int8Oid ? Number : pg.types.getTypeParser(oid, format),
};

/** `url` with its password (in userinfo or `?password=`) replaced by `***`, safe to log and show. */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // An unparseable URL may still hold a password somewhere: show none of it.
    return '(invalid database URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** `host:port/database` of a PostgreSQL URL, for messages. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    // Only used in messages; the URL itself is reported as invalid by the caller.
    return redactDatabaseUrl(url);
  }
}

function scrub(text: string, url: string): string {
  let password = '';
  try {
    const u = new URL(url);
    password = decodeURIComponent(u.password) || (u.searchParams.get('password') ?? '');
  } catch {
    // Nothing to scrub when the URL does not parse: messages never quote it.
  }
  return password === '' ? text : text.split(password).join('***');
}

/**
 * Opens one dedicated connection (a PostgreSQL session: advisory locks belong to it, not to a pool). An error
 * listener is attached before connecting, so the session dying while idle is reported, never a process crash; the
 * caller watches `'end'`/`'error'` for its own purposes. Throws `DATABASE_UNAVAILABLE` naming the host.
 */
export async function connectPostgresSession(url: string, log: Logger): Promise<pg.Client> {
  const where = describe(url);
  const client = new pg.Client({
    connectionString: url,
    types,
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', (err) => log.warn({ err, database: where }, 'database session lost'));
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined); // already failed: the connect error is the one to report
    const reason = scrub(err instanceof Error ? err.message : String(err), url);
    throw new AppError('DATABASE_UNAVAILABLE', `cannot connect to PostgreSQL at ${where}: ${reason}`, {
      cause: err,
    });
  }
  return client;
}

/** Opens a pool to `url` and proves it with one connection; throws `DATABASE_UNAVAILABLE` naming the host. */
export async function connectPostgres(url: string, log: Logger): Promise<Kysely<Schema>> {
  const where = describe(url);
  const pool = new pg.Pool({ connectionString: url, types, max: 10, connectionTimeoutMillis: 10_000 });
  // Without a listener, an idle client losing its connection (server restart) crashes the process.
  pool.on('error', (err) => log.warn({ err, database: where }, 'database connection lost'));
  // A checked-out client (between the queries of a request) losing its connection emits 'error' on itself, not
  // on the pool: without this listener that, too, would crash the process. Its pending queries still reject.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err, database: where }, 'database connection lost'));
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    const reason = scrub(err instanceof Error ? err.message : String(err), url);
    throw new AppError('DATABASE_UNAVAILABLE', `cannot connect to PostgreSQL at ${where}: ${reason}`, {
      cause: err,
    });
  }
  log.info({ url: redactDatabaseUrl(url) }, 'database opened');
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
