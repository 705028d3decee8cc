/**
 * Which join credential a node that joined through a gateway belongs to (issue #7, nodes behind NAT): the first
 * one that opened a tunnel for a node id holds it, so another join token cannot take that node's place.
 */
import type { Kysely, Migration } from 'kysely';

export function clusterNodeClaimsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cluster_node_claims')
        .addColumn('node_id', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
