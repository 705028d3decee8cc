/**
 * The database layer: Kysely over SQLite (default) or PostgreSQL (clusters), one schema and one set of
 * migrations for both, and a repository per table. Everything else imports it from here.
 */
export { openDatabase, type OpenDatabaseOptions } from './open-database.js';
export type { Database } from './database.js';
export type { Dialect } from './schema.js';
export { redactDatabaseUrl } from './connect-postgres.js';
export { openLeaderSession, type LeaderSession, type LeaderSessionOptions } from './leader-session.js';
export type { UserRecord, UserRepository } from './user-repository.js';
export type { ApiKeyRecord, ApiKeyRepository } from './api-key-repository.js';
export type { SessionRecord, SessionRepository } from './session-repository.js';
export {
  auditPageSize,
  type AuditEvent,
  type AuditOutcome,
  type AuditQuery,
  type AuditRepository,
} from './audit-repository.js';
export type { ProfileRecord, ProfileRepository } from './profile-repository.js';
export { PROFILE_PREFIX, ProfileModelCatalog, profileOptions, profileSettings } from './profile-catalog.js';
export type { SettingsRepository } from './settings-repository.js';
export {
  type FinetuneDatasetRecord,
  type FinetuneJobChange,
  type FinetuneJobRecord,
  type FinetuneJobState,
  type FinetuneMetricPoint,
  type FinetuneRepository,
} from './finetune-repository.js';
export type {
  ClusterLeaderRecord,
  ClusterNodeRecord,
  ClusterNodeState,
  ClusterRepository,
  ClusterWrites,
  ListedClusterNode,
  NodeLoadedModel,
  NodeReport,
} from './cluster-repository.js';
export type { ClusterDeploymentRecord } from './cluster-deployments.js';
