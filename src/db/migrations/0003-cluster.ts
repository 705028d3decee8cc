/**
 * Cluster membership and leadership (issue #7). The tables exist on both dialects (one schema), but only a shared
 * PostgreSQL database makes them mean anything: SQLite is one machine. Timestamps here are written from the
 * database's clock, never a node's, so every node's heartbeat is judged against one clock.
 */
import type { Kysely, Migration } from 'kysely';

export function clusterMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cluster_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addColumn('last_heartbeat', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .execute();

      // One row (id 1), created by the first leader; `epoch` only ever grows and fences a stale leader's writes.
      await db.schema
        .createTable('cluster_leader')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
