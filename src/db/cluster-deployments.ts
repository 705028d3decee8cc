/**
 * The cluster's deployments: "keep N replicas of this model loaded". Part of the {@link ClusterRepository} so a
 * fenced transaction (the leader's) can write them too; the API writes them directly (it is the user's intent,
 * not a leader's decision).
 */
import type { Kysely, RawBuilder, Selectable } from 'kysely';
import { changed, toDate } from './codec.js';
import { guard } from './guard.js';
import type { ClusterDeploymentsTable, Schema } from './schema.js';

/** One deployment. */
export interface ClusterDeploymentRecord {
  /** The model's display name (`tiny:latest`). */
  model: string;
  replicas: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Deployment methods of the cluster repository. */
export interface ClusterDeploymentMethods {
  /** Every deployment, by model. */
  deployments(): Promise<ClusterDeploymentRecord[]>;
  /** Creates the deployment or changes its replica count. */
  putDeployment(d: { model: string; replicas: number }): Promise<ClusterDeploymentRecord>;
  /** False when there was none (or, with `onlyRetired`, none with replicas 0: it was deployed again meanwhile). */
  removeDeployment(model: string, options?: { onlyRetired?: boolean }): Promise<boolean>;
}

function toDeployment(row: Selectable<ClusterDeploymentsTable>): ClusterDeploymentRecord {
  return {
    model: row.model,
    replicas: Number(row.replicas),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The methods over `db` (or a transaction), stamping times with the database's `now`. */
export function createDeploymentMethods(
  db: Kysely<Schema>,
  now: () => RawBuilder<string>,
): ClusterDeploymentMethods {
  return {
    async deployments() {
      const rows = await guard(() =>
        db.selectFrom('cluster_deployments').selectAll().orderBy('model').execute(),
      );
      return rows.map(toDeployment);
    },
    async putDeployment({ model, replicas }) {
      const row = await guard(() =>
        db
          .insertInto('cluster_deployments')
          .values({ model, replicas, created_at: now(), updated_at: now() })
          .onConflict((oc) => oc.column('model').doUpdateSet({ replicas, updated_at: now() }))
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return toDeployment(row);
    },
    async removeDeployment(model, options = {}) {
      const r = await guard(() => {
        const query = db.deleteFrom('cluster_deployments').where('model', '=', model);
        return (options.onlyRetired ? query.where('replicas', '=', 0) : query).executeTakeFirst();
      });
      return changed(r.numDeletedRows) > 0;
    },
  };
}
