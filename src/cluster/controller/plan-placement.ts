/**
 * The controller's placement decision, pure and table-tested: for each deployment, which nodes should load its
 * model. Replicas are ready nodes with the model loaded (or asked to load it lately); missing ones are chosen by
 * filter (ready, which excludes draining and stale nodes) → memory fit (free memory ≥ the model's size, when a
 * node that loaded it told us its size) → score (already on disk first, then least loaded, then by name, so equal
 * nodes spread deterministically). When more than half of the known nodes look stale at once, the cluster is more
 * likely partitioned from the database than half dead: nothing is rescheduled that tick. A deployment that shrank
 * (or was undeployed: replicas 0) releases the pinned copies beyond its replicas, the busiest nodes' first.
 */
import type { ClusterDeploymentRecord, ListedClusterNode } from '../../db/index.js';
import { modelOnNode, normalizeModelName } from '../gateway/rank-nodes.js';

/**
 * Ask `node` to load `model` and keep it (`place`, pulling it first when `pull`), or to let a copy the controller
 * pinned go once it is idle (`release`: a deployment shrank or was undeployed).
 */
export interface PlacementAction {
  kind: 'place' | 'release';
  nodeId: string;
  nodeName: string;
  nodeUrl: string;
  model: string;
  pull: boolean;
}

/** What one tick should do. */
export interface PlacementPlan {
  /** True when most nodes look stale: `actions` is empty on purpose. */
  partitioned: boolean;
  staleNodes: number;
  knownNodes: number;
  actions: PlacementAction[];
  /** Deployments that still lack replicas after this plan (no node fits). */
  short: Array<{ model: string; missing: number }>;
  /** Undeployed models (replicas 0) that no known node holds pinned any more: their rows can go. */
  retired: string[];
}

/** The inputs of {@link planPlacement}. */
export interface PlacementInput {
  nodes: readonly ListedClusterNode[];
  deployments: readonly Pick<ClusterDeploymentRecord, 'model' | 'replicas'>[];
  staleAfterMs: number;
  /** True when `node` was asked to load `model` recently (it counts as a replica while that request runs). */
  pending: (nodeId: string, model: string) => boolean;
  /** True when `node` was asked to release `model` recently (it no longer counts as pinned). */
  releasing?: (nodeId: string, model: string) => boolean;
}

/** The model's size in bytes, when any node that loaded it reported one. */
function knownSize(nodes: readonly ListedClusterNode[], model: string): number | undefined {
  let size: number | undefined;
  for (const n of nodes) {
    for (const m of n.report.loadedModels) {
      if (normalizeModelName(m.name) === model && m.sizeBytes > 0) size = Math.max(size ?? 0, m.sizeBytes);
    }
  }
  return size;
}

export function planPlacement(input: PlacementInput): PlacementPlan {
  const known = input.nodes.filter((n) => n.state !== 'left');
  const staleNodes = known.filter((n) => n.ageMs >= input.staleAfterMs).length;
  const plan: PlacementPlan = {
    partitioned: false,
    staleNodes,
    knownNodes: known.length,
    actions: [],
    short: [],
    retired: [],
  };
  if (staleNodes * 2 > known.length) return { ...plan, partitioned: true };
  const ready = known.filter((n) => n.ready);
  // Loads this plan adds to a node, so one tick does not pile every model on the same idle node.
  const planned = new Map<string, number>();
  for (const d of input.deployments) {
    const model = normalizeModelName(d.model);
    const isReplica = (n: ListedClusterNode) => modelOnNode(n, model).loaded || input.pending(n.id, model);
    // Pinned copies (kept forever: what the controller's loads ask for) beyond the replicas wanted are released,
    // the busiest first; a copy loaded by requests alone expires by itself and is left alone.
    const holdsPin = (n: ListedClusterNode) =>
      n.report.loadedModels.some((m) => normalizeModelName(m.name) === model && m.expiresAt === null);
    const pinned = ready.filter((n) => holdsPin(n) && !(input.releasing?.(n.id, model) ?? false));
    // Retired only once no report shows a pin, even one being released (a failed release is asked again).
    if (d.replicas === 0 && !known.some(holdsPin)) plan.retired.push(model);
    const surplus = pinned
      .map((n) => ({ node: n, load: n.report.queueDepth + n.report.inFlight }))
      .sort((a, b) => b.load - a.load || b.node.name.localeCompare(a.node.name))
      .slice(0, Math.max(0, pinned.length - d.replicas));
    for (const { node } of surplus) {
      plan.actions.push({
        kind: 'release',
        nodeId: node.id,
        nodeName: node.name,
        nodeUrl: node.url,
        model,
        pull: false,
      });
    }
    let missing = d.replicas - ready.filter(isReplica).length;
    if (missing <= 0) continue;
    const size = knownSize(input.nodes, model);
    const candidates = ready
      .filter((n) => !isReplica(n))
      .filter((n) => size === undefined || n.report.freeMemoryBytes >= size)
      .map((n) => ({
        node: n,
        onDisk: modelOnNode(n, model).stored,
        load:
          n.report.queueDepth + n.report.inFlight + n.report.loadedModels.length + (planned.get(n.id) ?? 0),
      }))
      .sort(
        (a, b) =>
          Number(b.onDisk) - Number(a.onDisk) || a.load - b.load || a.node.name.localeCompare(b.node.name),
      );
    for (const c of candidates.slice(0, missing)) {
      plan.actions.push({
        kind: 'place',
        nodeId: c.node.id,
        nodeName: c.node.name,
        nodeUrl: c.node.url,
        model,
        pull: !c.onDisk,
      });
      planned.set(c.node.id, (planned.get(c.node.id) ?? 0) + 1);
      missing--;
    }
    if (missing > 0) plan.short.push({ model, missing });
  }
  return plan;
}
