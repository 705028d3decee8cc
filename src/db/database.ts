/** The open database: the repositories over one Kysely instance, plus health check and disposal. */
import { sql, type Kysely } from 'kysely';
import { AppError } from '../core/index.js';
import { createApiKeyRepository, type ApiKeyRepository } from './api-key-repository.js';
import { createAuditRepository, type AuditRepository } from './audit-repository.js';
import { createClusterRepository, type ClusterRepository } from './cluster-repository.js';
import { createFinetuneRepository, type FinetuneRepository } from './finetune-repository.js';
import { createProfileRepository, type ProfileRepository } from './profile-repository.js';
import type { Dialect, Schema } from './schema.js';
import { createSessionRepository, type SessionRepository } from './session-repository.js';
import { createSettingsRepository, type SettingsRepository } from './settings-repository.js';
import { createUserRepository, type UserRepository } from './user-repository.js';

/** An open, migrated database. Repository failures are `AppError`s (`CONFLICT`, `DATABASE_UNAVAILABLE`, …). */
export interface Database {
  readonly dialect: Dialect;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly profiles: ProfileRepository;
  readonly settings: SettingsRepository;
  readonly finetune: FinetuneRepository;
  /** Cluster nodes and the controller's leadership row (meaningful on PostgreSQL, shared by every node). */
  readonly cluster: ClusterRepository;
  /** Runs `SELECT 1`; rejects with `DATABASE_UNAVAILABLE` (also after {@link Database.close}). */
  ping(): Promise<void>;
  /** Ends the connection pool or closes the SQLite file. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Wraps a migrated Kysely instance; the returned object owns it and destroys it on close. */
export function createDatabase(db: Kysely<Schema>, dialect: Dialect): Database {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= db.destroy());
  return {
    dialect,
    users: createUserRepository(db),
    apiKeys: createApiKeyRepository(db),
    sessions: createSessionRepository(db),
    audit: createAuditRepository(db),
    profiles: createProfileRepository(db),
    settings: createSettingsRepository(db),
    finetune: createFinetuneRepository(db),
    cluster: createClusterRepository(db, dialect),
    async ping() {
      if (closing !== undefined) throw new AppError('DATABASE_UNAVAILABLE', 'the database is closed');
      try {
        await sql`select 1`.execute(db);
      } catch (err) {
        throw new AppError('DATABASE_UNAVAILABLE', `the ${dialect} database does not answer`, {
          cause: err,
        });
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
