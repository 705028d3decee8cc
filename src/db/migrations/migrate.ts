/**
 * Runs the in-code migrations to the latest version. The provider is static (no directory scan), so the
 * migrations ship inside the bundle. Kysely's `Migrator` takes a PostgreSQL advisory lock, so two servers
 * starting at once against one database migrate it once.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { AppError, type Logger } from '../../core/index.js';
import type { Dialect, Schema } from '../schema.js';
import { initialMigration } from './0001-initial.js';
import { finetuneMigration } from './0002-finetune.js';
import { clusterMigration } from './0003-cluster.js';
import { clusterDeploymentsMigration } from './0004-cluster-deployments.js';
import { clusterNodeClaimsMigration } from './0005-cluster-node-claims.js';

/** Every migration, by name; names sort in the order they must run. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(dialect),
    '0002-finetune': finetuneMigration(),
    '0003-cluster': clusterMigration(),
    '0004-cluster-deployments': clusterDeploymentsMigration(),
    '0005-cluster-node-claims': clusterNodeClaimsMigration(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}

/** Migrates `db` to the latest version; throws `DATABASE_UNAVAILABLE` naming the failed migration. */
export async function migrateToLatest(db: Kysely<Schema>, dialect: Dialect, log: Logger): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === 'Success') log.info({ migration: r.migrationName }, 'database migration applied');
  }
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : 'unknown error';
    throw new AppError(
      'DATABASE_UNAVAILABLE',
      `database migration ${failed ?? '(setup)'} failed: ${detail}`,
      { cause: error },
    );
  }
}
