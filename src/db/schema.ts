/**
 * Kysely table types: the shape of the rows as both dialects store them. Timestamps are ISO-8601 UTC text
 * (`Date.toISOString()`: fixed width, so text order is time order on SQLite and PostgreSQL alike), booleans are
 * integers 0/1 and JSON is text, so one row mapper serves both dialects.
 */
import type { Generated } from 'kysely';

/** `users`: people who sign in to the console or own API keys. */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  password_hash: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

/** `api_keys`: only the hash of the secret is stored. */
export interface ApiKeysTable {
  id: string;
  name: string;
  user_id: string | null;
  role: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  rate_limit_per_minute: number | null;
  max_concurrent: number | null;
}

/** `sessions`: console sign-ins; `id` is the hash of the cookie token. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

/** `audit_events`: append-only; `id` is an auto-increment integer on both dialects. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  outcome: string;
  status: number | null;
  ip: string | null;
  details: string | null;
}

/** `profiles`: saved model + system prompt + options presets. `options` is JSON text. */
export interface ProfilesTable {
  id: string;
  name: string;
  model: string;
  system: string | null;
  options: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** `settings`: small key/value store for server-wide settings changed at run time. */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** `finetune_datasets`: uploaded training data; the file is `$CORRAL_HOME/finetune/datasets/<id>.jsonl`. */
export interface FinetuneDatasetsTable {
  id: string;
  name: string;
  format: string;
  examples: number;
  bytes: number;
  sha256: string;
  created_by: string | null;
  created_at: string;
}

/** `finetune_jobs`: the durable queue. `settings` and `progress` are JSON text. */
export interface FinetuneJobsTable {
  id: string;
  base_model: string;
  dataset_id: string | null;
  output_model: string;
  settings: string;
  state: string;
  error: string | null;
  progress: string | null;
  checkpoint_step: number | null;
  attempts: Generated<number>;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** `finetune_metrics`: a job's loss curve, one row per (kind, step); `kind` is `train` or `validation`. */
export interface FinetuneMetricsTable {
  job_id: string;
  kind: string;
  step: number;
  value: number;
  learning_rate: number | null;
  at: string;
}

/**
 * `cluster_nodes`: the nodes of a cluster. `report` is JSON text; `joined_at` and `last_heartbeat` come from the
 * database's clock; `epoch` counts the node's registrations.
 */
export interface ClusterNodesTable {
  id: string;
  name: string;
  url: string;
  state: string;
  report: string;
  joined_at: string;
  last_heartbeat: string;
  epoch: number;
}

/** `cluster_leader`: one row (id 1): the controller that holds the advisory lock, and its fencing epoch. */
export interface ClusterLeaderTable {
  id: number;
  holder: string;
  epoch: number;
  acquired_at: string;
}

/** `cluster_deployments`: the replicas of a model the controller keeps loaded across the cluster. */
export interface ClusterDeploymentsTable {
  model: string;
  replicas: number;
  created_at: string;
  updated_at: string;
}

/**
 * `cluster_node_claims`: the join credential (`key:<id>` or `user:<id>`) a node that joined through a gateway
 * belongs to.
 */
export interface ClusterNodeClaimsTable {
  node_id: string;
  holder: string;
  claimed_at: string;
}

/** The whole schema, as Kysely's type parameter. */
export interface Schema {
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  profiles: ProfilesTable;
  settings: SettingsTable;
  finetune_datasets: FinetuneDatasetsTable;
  finetune_jobs: FinetuneJobsTable;
  finetune_metrics: FinetuneMetricsTable;
  cluster_nodes: ClusterNodesTable;
  cluster_leader: ClusterLeaderTable;
  cluster_deployments: ClusterDeploymentsTable;
  cluster_node_claims: ClusterNodeClaimsTable;
}

/** Which SQL dialect a database speaks. */
export type Dialect = 'sqlite' | 'postgres';
