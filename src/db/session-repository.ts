/** Console sessions: `id` is the hash of the session cookie, so a leaked database holds no usable token. */
import type { Kysely, Selectable } from 'kysely';
import { changed, toDate, toText } from './codec.js';
import { guard } from './guard.js';
import type { Schema, SessionsTable } from './schema.js';

/** A stored session. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

/** Stored sessions. A session for a user that does not exist is `RESOURCE_NOT_FOUND`. */
export interface SessionRepository {
  /** Stores a session; the caller gives the id (the hash of the cookie token). */
  create(s: { id: string; userId: string; expiresAt: Date }): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** Records activity (`lastSeenAt`). */
  touch(id: string, at: Date): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Deletes every session of a user (sign out everywhere); returns how many. */
  deleteForUser(userId: string): Promise<number>;
  /** Deletes sessions whose `expiresAt` is at or before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    lastSeenAt: toDate(row.last_seen_at),
  };
}

/** The {@link SessionRepository} over `db`. */
export function createSessionRepository(db: Kysely<Schema>): SessionRepository {
  return {
    async create(s) {
      const now = toText(new Date());
      const row = {
        id: s.id,
        user_id: s.userId,
        created_at: now,
        expires_at: toText(s.expiresAt),
        last_seen_at: now,
      };
      await guard(() => db.insertInto('sessions').values(row).execute(), {
        conflict: 'a session with that id already exists',
        missing: `no user with id '${s.userId}'`,
      });
      return toSession(row);
    },
    async get(id) {
      const row = await guard(() =>
        db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst(),
      );
      return row && toSession(row);
    },
    async touch(id, at) {
      await guard(() =>
        db
          .updateTable('sessions')
          .set({ last_seen_at: toText(at) })
          .where('id', '=', id)
          .execute(),
      );
    },
    async delete(id) {
      const r = await guard(() => db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
    async deleteForUser(userId) {
      const r = await guard(() => db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst());
      return changed(r.numDeletedRows);
    },
    async deleteExpired(now) {
      const r = await guard(() =>
        db.deleteFrom('sessions').where('expires_at', '<=', toText(now)).executeTakeFirst(),
      );
      return changed(r.numDeletedRows);
    },
  };
}
