/**
 * Cluster membership (nodes and their heartbeats) and the controller's leadership row. Every timestamp and every
 * age here comes from the DATABASE's clock (`now()` on PostgreSQL, SQLite's `'now'`), never from the caller's
 * `Date.now()`: nodes with skewed clocks are still judged against one clock, the one they all share.
 */
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { AppError } from '../core/index.js';
import { createDeploymentMethods, type ClusterDeploymentMethods } from './cluster-deployments.js';
import { changed, toDate } from './codec.js';
import { guard } from './guard.js';
import type { ClusterLeaderTable, ClusterNodesTable, Dialect, Schema } from './schema.js';

/** A node's membership: `ready` serves, `draining` finishes its work but takes none, `left` is gone. */
export type ClusterNodeState = 'ready' | 'draining' | 'left';

/** A model loaded on a node, as its heartbeat reports it. */
export interface NodeLoadedModel {
  name: string;
  /** The model's key (`sha256:…` of its GGUF layer, as the scheduler keys runners). */
  modelKey: string;
  sizeBytes: number;
  vramBytes: number;
  /** Requests the model's runner serves now. */
  activeRequests: number;
  /** ISO time it unloads when idle; `null`: kept loaded. */
  expiresAt: string | null;
}

/** What a node tells the cluster with every heartbeat (stored as JSON). */
export interface NodeReport {
  loadedModels: NodeLoadedModel[];
  /** Names of the models in the node's store. */
  storedModels: string[];
  /** Requests waiting for a runner. */
  queueDepth: number;
  /** Requests waiting or running. */
  inFlight: number;
  freeMemoryBytes: number;
  /** Free accelerator memory; `null` when not measured (the server process does not probe GPUs). */
  freeVramBytes: number | null;
}

/** A registered node. */
export interface ClusterNodeRecord {
  id: string;
  name: string;
  /** Where gateways reach the node. */
  url: string;
  state: ClusterNodeState;
  report: NodeReport;
  joinedAt: Date;
  lastHeartbeat: Date;
  /** Counts the node's registrations: 1 at first, +1 each time it registers again. */
  epoch: number;
}

/** A node as {@link ClusterRepository.list} sees it, judged against the database's clock. */
export interface ListedClusterNode extends ClusterNodeRecord {
  /** `state` is `ready` and the last heartbeat is younger than `staleAfterMs`. */
  ready: boolean;
  /** Milliseconds since the last heartbeat, by the database's clock. */
  ageMs: number;
}

/** The current controller. */
export interface ClusterLeaderRecord {
  holder: string;
  epoch: number;
  acquiredAt: Date;
}

/** The writes a fenced transaction may make (no nested transactions). */
export type ClusterWrites = Omit<ClusterRepository, 'fenced'>;

/**
 * Cluster membership, leadership and deployments. A name taken by another (not `left`) node is `CONFLICT`.
 */
export interface ClusterRepository extends ClusterDeploymentMethods {
  /** Inserts the node, or registers it again (state `ready`, epoch + 1); a `left` node holding the name yields it. */
  register(node: { id: string; name: string; url: string; report: NodeReport }): Promise<ClusterNodeRecord>;
  /** Stores the report and stamps the heartbeat; false when the node is unknown or `left` (register again). */
  heartbeat(id: string, report: NodeReport): Promise<boolean>;
  setState(id: string, state: ClusterNodeState): Promise<boolean>;
  /** Every node, by name, with readiness and age computed in SQL against the database's clock. */
  list(q: { staleAfterMs: number }): Promise<ListedClusterNode[]>;
  remove(id: string): Promise<boolean>;
  /** Who holds node id `nodeId` (the join credential it first joined with), if anyone does. */
  nodeClaim(nodeId: string): Promise<string | undefined>;
  /**
   * Gives `nodeId` to `holder` if it is still held by `replacing` (undefined: held by nobody); false when someone
   * else changed it first.
   */
  claimNode(nodeId: string, holder: string, replacing: string | undefined): Promise<boolean>;
  /** The leadership row, undefined before anyone led (it is claimed through a `LeaderSession`). */
  leader(): Promise<ClusterLeaderRecord | undefined>;
  /**
   * Runs `work` in a transaction that first locks the leadership row and checks that `epoch` is current; a
   * stale leader (someone claimed a later epoch) gets `CONFLICT` and nothing is written.
   */
  fenced<T>(epoch: number, work: (tx: ClusterWrites) => Promise<T>): Promise<T>;
}

type NodeRow = Selectable<ClusterNodesTable>;

function toNode(row: NodeRow): ClusterNodeRecord {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    state: row.state as ClusterNodeState,
    report: JSON.parse(row.report) as NodeReport,
    joinedAt: toDate(row.joined_at),
    lastHeartbeat: toDate(row.last_heartbeat),
    epoch: Number(row.epoch),
  };
}

/** A `cluster_leader` row as a record (also used by the leader session, which reads it with plain `pg`). */
export function toLeader(row: Selectable<ClusterLeaderTable>): ClusterLeaderRecord {
  return { holder: row.holder, epoch: Number(row.epoch), acquiredAt: toDate(row.acquired_at) };
}

/** The database's current time as stored timestamps are written (ISO-8601 UTC with milliseconds). */
function dbNow(dialect: Dialect): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql<string>`to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
}

/** Milliseconds from the last heartbeat to the database's current time. */
function heartbeatAgeMs(dialect: Dialect): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`cast(extract(epoch from (now() - cast(last_heartbeat as timestamptz))) * 1000 as double precision)`
    : sql<number>`(julianday('now') - julianday(last_heartbeat)) * 86400000.0`;
}

const taken = (name: string) => `a cluster node named '${name}' already exists`;

/** The {@link ClusterRepository} over `db` (or a transaction of it). */
export function createClusterRepository(db: Kysely<Schema>, dialect: Dialect): ClusterRepository {
  const now = () => dbNow(dialect);
  return {
    ...createDeploymentMethods(db, now),
    async register(node) {
      const row = await guard(
        async () => {
          // A node that left (a reinstalled machine with a new id) does not keep its name from a new one.
          await db
            .deleteFrom('cluster_nodes')
            .where('name', '=', node.name)
            .where('id', '<>', node.id)
            .where('state', '=', 'left')
            .execute();
          const report = JSON.stringify(node.report);
          return db
            .insertInto('cluster_nodes')
            .values({
              id: node.id,
              name: node.name,
              url: node.url,
              state: 'ready',
              report,
              joined_at: now(),
              last_heartbeat: now(),
              epoch: 1,
            })
            .onConflict((oc) =>
              oc.column('id').doUpdateSet({
                name: node.name,
                url: node.url,
                state: 'ready',
                report,
                joined_at: now(),
                last_heartbeat: now(),
                epoch: sql<number>`cluster_nodes.epoch + 1`,
              }),
            )
            .returningAll()
            .executeTakeFirstOrThrow();
        },
        { conflict: taken(node.name) },
      );
      return toNode(row);
    },
    async heartbeat(id, report) {
      const r = await guard(() =>
        db
          .updateTable('cluster_nodes')
          .set({ report: JSON.stringify(report), last_heartbeat: now() })
          .where('id', '=', id)
          .where('state', '<>', 'left')
          .executeTakeFirst(),
      );
      return changed(r.numUpdatedRows) > 0;
    },
    async setState(id, state) {
      const r = await guard(() =>
        db.updateTable('cluster_nodes').set({ state }).where('id', '=', id).executeTakeFirst(),
      );
      return changed(r.numUpdatedRows) > 0;
    },
    async list({ staleAfterMs }) {
      const age = heartbeatAgeMs(dialect);
      const rows = await guard(() =>
        db
          .selectFrom('cluster_nodes')
          .selectAll()
          .select([
            age.as('age_ms'),
            sql<number>`case when state = 'ready' and ${age} < ${staleAfterMs} then 1 else 0 end`.as(
              'is_ready',
            ),
          ])
          .orderBy('name')
          .execute(),
      );
      return rows.map((row) => ({
        ...toNode(row),
        ready: Number(row.is_ready) === 1,
        ageMs: Math.max(0, Math.round(Number(row.age_ms))),
      }));
    },
    async remove(id) {
      const r = await guard(() => db.deleteFrom('cluster_nodes').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
    async nodeClaim(nodeId) {
      const row = await guard(() =>
        db
          .selectFrom('cluster_node_claims')
          .select('holder')
          .where('node_id', '=', nodeId)
          .executeTakeFirst(),
      );
      return row?.holder;
    },
    async claimNode(nodeId, holder, replacing) {
      if (replacing === undefined) {
        const r = await guard(() =>
          db
            .insertInto('cluster_node_claims')
            .values({ node_id: nodeId, holder, claimed_at: now() })
            .onConflict((oc) => oc.column('node_id').doNothing())
            .executeTakeFirst(),
        );
        return changed(r.numInsertedOrUpdatedRows) > 0;
      }
      const r = await guard(() =>
        db
          .updateTable('cluster_node_claims')
          .set({ holder, claimed_at: now() })
          .where('node_id', '=', nodeId)
          .where('holder', '=', replacing)
          .executeTakeFirst(),
      );
      return changed(r.numUpdatedRows) > 0;
    },
    async leader() {
      const row = await guard(() =>
        db.selectFrom('cluster_leader').selectAll().where('id', '=', 1).executeTakeFirst(),
      );
      return row && toLeader(row);
    },
    fenced(epoch, work) {
      return guard(() =>
        db.transaction().execute(async (trx) => {
          const current = await trx
            .selectFrom('cluster_leader')
            .select('epoch')
            .where('id', '=', 1)
            // SQLite has no row locks: a write transaction there already excludes every other writer.
            .$if(dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst();
          if (current === undefined || Number(current.epoch) !== epoch) {
            throw new AppError('CONFLICT', `stale leader: epoch ${epoch} is not current`);
          }
          return work(createClusterRepository(trx, dialect));
        }),
      );
    },
  };
}
