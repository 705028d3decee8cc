/**
 * The controller's leadership session on PostgreSQL: one dedicated connection holding a session-level advisory
 * lock (<https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS>). The lock lives exactly as
 * long as the session, so a crashed or partitioned leader loses it without anyone deciding anything. The epoch is
 * claimed on the SAME session right after locking: if the session dies in between, the claim fails instead of
 * bumping the epoch past a leader that locked meanwhile.
 */
import type pg from 'pg';
import type { Logger } from '../core/index.js';
import { toLeader, type ClusterLeaderRecord } from './cluster-repository.js';
import { connectPostgresSession } from './connect-postgres.js';
import { guard } from './guard.js';
import type { ClusterLeaderTable } from './schema.js';

/** The advisory lock's two-int key: 'corr' as an int32, and 1 for the leader lock (Kysely's migrator uses another). */
const LOCK_SPACE = 0x636f7272;
const LEADER_LOCK = 1;

const CLAIM = `
  insert into cluster_leader (id, holder, epoch, acquired_at)
  values (1, $1, 1, to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  on conflict (id) do update
    set holder = excluded.holder, epoch = cluster_leader.epoch + 1, acquired_at = excluded.acquired_at
  returning id, holder, epoch, acquired_at`;

/** One dedicated PostgreSQL session for the leader lock. */
export interface LeaderSession {
  /**
   * `pg_try_advisory_lock`, then (on success) makes `holder` the leader with the next epoch. Undefined when another
   * session holds the lock. Rejects with `DATABASE_UNAVAILABLE` when the session fails.
   */
  tryLock(holder: string): Promise<ClusterLeaderRecord | undefined>;
  /** Gives the lock back (the session stays open). */
  unlock(): Promise<void>;
  /** A round trip on the session: rejects when it is gone. */
  ping(): Promise<void>;
  /** Ends the session (releasing its locks). Idempotent; does not count as the session being lost. */
  close(): Promise<void>;
}

/** Options of {@link openLeaderSession}. */
export interface LeaderSessionOptions {
  url: string;
  log: Logger;
  /** Called once when the session ends or fails other than through {@link LeaderSession.close}. */
  onLost(reason: Error): void;
}

/** Opens the session; throws `DATABASE_UNAVAILABLE` when PostgreSQL cannot be reached. */
export async function openLeaderSession(o: LeaderSessionOptions): Promise<LeaderSession> {
  const client: pg.Client = await connectPostgresSession(o.url, o.log);
  let ended = false;
  const lost = (reason: Error) => {
    if (ended) return;
    ended = true;
    o.onLost(reason);
  };
  client.on('error', lost);
  client.on('end', () => lost(new Error('the database session ended')));
  let closing: Promise<void> | undefined;
  return {
    async tryLock(holder) {
      return guard(async () => {
        const locked = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock($1, $2) as locked',
          [LOCK_SPACE, LEADER_LOCK],
        );
        if (locked.rows[0]?.locked !== true) return undefined;
        try {
          const claimed = await client.query<ClusterLeaderTable>(CLAIM, [holder]);
          return toLeader(claimed.rows[0]!);
        } catch (err) {
          // Best effort: a failed claim must not keep the lock; if the session is gone, so is the lock.
          await client
            .query('select pg_advisory_unlock($1, $2)', [LOCK_SPACE, LEADER_LOCK])
            .catch(() => undefined);
          throw err;
        }
      });
    },
    async unlock() {
      await guard(() => client.query('select pg_advisory_unlock($1, $2)', [LOCK_SPACE, LEADER_LOCK]));
    },
    async ping() {
      await guard(() => client.query('select 1'));
    },
    close() {
      ended = true;
      closing ??= client.end().catch((err: unknown) => {
        // The session is already broken: ending it has nothing left to release.
        o.log.debug({ err }, 'database session end failed');
      });
      return closing;
    },
  };
}
