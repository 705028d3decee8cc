/**
 * Cluster deployments (issue #7): how many replicas of a model the controller keeps loaded. One row per model;
 * timestamps come from the database's clock like the rest of the cluster tables.
 */
import type { Kysely, Migration } from 'kysely';

export function clusterDeploymentsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cluster_deployments')
        .addColumn('model', 'text', (c) => c.primaryKey())
        .addColumn('replicas', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
