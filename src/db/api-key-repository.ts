/** API keys: only the hash of the secret is stored; `id` is the short public part of the key. */
import type { Kysely, Selectable } from 'kysely';
import { AppError, isRole, type Role } from '../core/index.js';
import { changed, toDate, toDateOrNull, toText, toTextOrNull } from './codec.js';
import { guard } from './guard.js';
import type { ApiKeysTable, Schema } from './schema.js';

/** A stored API key. `userId` null: a key not owned by a user (created by the local admin). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  userId: string | null;
  role: Role;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  rateLimitPerMinute: number | null;
  maxConcurrent: number | null;
}

/**
 * Stored API keys. Names are unique per owner (`CONFLICT`); a key for a user that does not exist is
 * `RESOURCE_NOT_FOUND`.
 */
export interface ApiKeyRepository {
  /** Stores a key; the caller chooses the id (a short public id). */
  create(k: Omit<ApiKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'>): Promise<ApiKeyRecord>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys, newest first, optionally only those of one user. */
  list(filter?: { userId?: string }): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when it is missing or already revoked. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Records a use of the key (`lastUsedAt`). */
  touch(id: string, at: Date): Promise<void>;
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  if (!isRole(row.role)) {
    throw new AppError('INTERNAL', `API key ${row.id} has an unknown role '${row.role}' in the database`);
  }
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    role: row.role,
    secretHash: row.secret_hash,
    createdAt: toDate(row.created_at),
    expiresAt: toDateOrNull(row.expires_at),
    lastUsedAt: toDateOrNull(row.last_used_at),
    revokedAt: toDateOrNull(row.revoked_at),
    rateLimitPerMinute: row.rate_limit_per_minute,
    maxConcurrent: row.max_concurrent,
  };
}

/** The {@link ApiKeyRepository} over `db`. */
export function createApiKeyRepository(db: Kysely<Schema>): ApiKeyRepository {
  return {
    async create(k) {
      const row = {
        id: k.id,
        name: k.name,
        user_id: k.userId,
        role: k.role,
        secret_hash: k.secretHash,
        created_at: toText(new Date()),
        expires_at: toTextOrNull(k.expiresAt),
        last_used_at: null,
        revoked_at: null,
        rate_limit_per_minute: k.rateLimitPerMinute,
        max_concurrent: k.maxConcurrent,
      };
      await guard(() => db.insertInto('api_keys').values(row).execute(), {
        conflict: `an API key named '${k.name}' (or with id '${k.id}') already exists`,
        missing: `no user with id '${k.userId ?? ''}'`,
      });
      return toApiKey(row);
    },
    async get(id) {
      const row = await guard(() =>
        db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst(),
      );
      return row && toApiKey(row);
    },
    async list(filter = {}) {
      let q = db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
      const rows = await guard(() => q.execute());
      return rows.map(toApiKey);
    },
    async revoke(id, at) {
      const r = await guard(() =>
        db
          .updateTable('api_keys')
          .set({ revoked_at: toText(at) })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst(),
      );
      return changed(r.numUpdatedRows) > 0;
    },
    async touch(id, at) {
      await guard(() =>
        db
          .updateTable('api_keys')
          .set({ last_used_at: toText(at) })
          .where('id', '=', id)
          .execute(),
      );
    },
  };
}
