/**
 * Controller leadership over a PostgreSQL advisory lock: one leader at a time; killing its session hands the lock
 * to the next candidate with a later epoch, and the old leader's fenced writes are refused, whether it noticed
 * the loss or not.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease, type LeaderLeaseOptions } from '../../src/cluster/index.js';
import { isAppError, silentLogger } from '../../src/core/index.js';
import { openDatabase, openLeaderSession, type Database } from '../../src/db/index.js';
import { testDatabases, testPostgresUrl, type OpenedTestDatabase } from '../helpers/test-databases.js';
import { unique } from '../db/use-database.js';
import { nodeReport } from '../helpers/listed-node.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.log('leader lease tests skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');

/** Runs one statement as the test server's superuser. */
async function admin<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgres.available)('leader lease on PostgreSQL', () => {
  let opened: OpenedTestDatabase;
  let db: Database;
  let url: string;
  const leases: LeaderLease[] = [];

  beforeAll(async () => {
    opened = await postgres.open();
    url = opened.options.url!;
    db = await openDatabase(opened.options);
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.close()));
  });
  afterAll(async () => {
    await db?.close();
    await opened?.cleanup();
  });

  const lease = (options: Partial<LeaderLeaseOptions> = {}): LeaderLease => {
    const l = new LeaderLease({
      url,
      holder: unique('gw'),
      cluster: db.cluster,
      log: silentLogger,
      ...options,
    });
    leases.push(l);
    return l;
  };

  /** Ends the session holding the leader lock, as a crash or an operator would. */
  const killLeaderSession = async () => {
    const rows = await admin<{ pid: number }>(
      `select l.pid from pg_locks l join pg_database d on d.oid = l.database
       where l.locktype = 'advisory' and l.granted and d.datname = $1`,
      [new URL(url).pathname.slice(1)],
    );
    expect(rows).toHaveLength(1);
    await admin('select pg_terminate_backend($1)', [rows[0]!.pid]);
  };

  const register = () =>
    db.cluster.register({
      id: unique('node'),
      name: unique('name'),
      url: 'http://node:11434',
      report: nodeReport(),
    });

  it('elects exactly one of two candidates, recording its holder and epoch', async () => {
    const a = lease();
    const b = lease();
    const won = await Promise.all([a.tryAcquire(), b.tryAcquire()]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const leader = won[0] ? a : b;
    const other = won[0] ? b : a;
    expect(leader.isLeader).toBe(true);
    expect(other.isLeader).toBe(false);
    expect(other.epoch).toBeUndefined();
    expect(await leader.tryAcquire()).toBe(true); // already leading
    const row = await db.cluster.leader();
    expect(row?.epoch).toBe(leader.epoch);

    // Releasing hands over with the next epoch; the released lease no longer writes.
    const n = leader.epoch!;
    await leader.release();
    expect(await other.tryAcquire()).toBe(true);
    expect(other.epoch).toBe(n + 1);
    await expect(leader.fencedWrite(() => Promise.resolve())).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('hands leadership over when the leader session dies, and fences the old leader', async () => {
    const lost: Error[] = [];
    const a = lease({ onLost: (e) => lost.push(e) });
    const b = lease();
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    const n = a.epoch!;

    await killLeaderSession();
    await expect.poll(() => lost.length, { timeout: 5000, interval: 20 }).toBe(1);
    expect(a.isLeader).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(b.epoch).toBe(n + 1);
    expect(await db.cluster.leader()).toMatchObject({ epoch: n + 1 });

    const node = await register();
    const refused = await a.fencedWrite((tx) => tx.setState(node.id, 'draining')).catch((e: unknown) => e);
    expect(isAppError(refused, 'CONFLICT')).toBe(true);
    expect(await b.fencedWrite((tx) => tx.setState(node.id, 'draining'))).toBe(true);
    const listed = await db.cluster.list({ staleAfterMs: 60_000 });
    expect(listed.find((x) => x.id === node.id)?.state).toBe('draining');
    // The old candidate may lead again later, with a later epoch still.
    await b.release();
    expect(await a.tryAcquire()).toBe(true);
    expect(a.epoch).toBe(n + 2);
  });

  it('refuses the writes of a stale leader that has not noticed its session is gone', async () => {
    // A partitioned leader: its session is dead but nothing has told it (no events, no checks).
    const a = lease({
      checkIntervalMs: 0,
      openSession: (o) => openLeaderSession({ ...o, onLost: () => undefined }),
    });
    const b = lease();
    expect(await a.tryAcquire()).toBe(true);
    const n = a.epoch!;
    await killLeaderSession();
    await expect.poll(() => b.tryAcquire(), { timeout: 5000, interval: 20 }).toBe(true);
    expect(a.isLeader).toBe(true);

    const node = await register();
    let ran = false;
    const refused = await a
      .fencedWrite(async (tx) => {
        ran = true;
        return tx.setState(node.id, 'left');
      })
      .catch((e: unknown) => e);
    expect(isAppError(refused, 'CONFLICT')).toBe(true);
    expect((refused as Error).message).toBe(`stale leader: epoch ${n} is not current`);
    expect(ran).toBe(false);
    expect((await db.cluster.list({ staleAfterMs: 60_000 })).find((x) => x.id === node.id)?.state).toBe(
      'ready',
    );
  });

  it('notices a dead session by its periodic check while leading', async () => {
    const lost: Error[] = [];
    // Session events suppressed: only the check can tell.
    const a = lease({
      checkIntervalMs: 50,
      onLost: (e) => lost.push(e),
      openSession: (o) => openLeaderSession({ ...o, onLost: () => undefined }),
    });
    expect(await a.tryAcquire()).toBe(true);
    await killLeaderSession();
    await expect.poll(() => lost.length, { timeout: 5000, interval: 20 }).toBe(1);
    expect(a.isLeader).toBe(false);
    expect(isAppError(lost[0], 'DATABASE_UNAVAILABLE')).toBe(true);
  });
});
