/** A cluster node as `db.cluster.list` returns it, for the routing and placement tests: ready, fresh, idle. */
import type { ListedClusterNode, NodeLoadedModel, NodeReport } from '../../src/db/index.js';

export function listedNode(
  name: string,
  report: Partial<NodeReport> = {},
  o: { url?: string; state?: ListedClusterNode['state']; ageMs?: number; staleAfterMs?: number } = {},
): ListedClusterNode {
  const state = o.state ?? 'ready';
  const ageMs = o.ageMs ?? 0;
  return {
    id: name,
    name,
    url: o.url ?? `http://${name}`,
    state,
    ready: state === 'ready' && ageMs < (o.staleAfterMs ?? Infinity),
    ageMs,
    epoch: 1,
    joinedAt: new Date(0),
    lastHeartbeat: new Date(0),
    report: nodeReport(report),
  };
}

/** A node's heartbeat report: nothing loaded or stored, idle, no free memory, unless told otherwise. */
export function nodeReport(report: Partial<NodeReport> = {}): NodeReport {
  return {
    loadedModels: [],
    storedModels: [],
    queueDepth: 0,
    inFlight: 0,
    freeMemoryBytes: 0,
    freeVramBytes: null,
    ...report,
  };
}

/** A model in a node's report, pinned (`expiresAt: null`) unless told otherwise. */
export function loadedModel(name: string, sizeBytes = 1, expiresAt: string | null = null): NodeLoadedModel {
  return { name, modelKey: 'sha256:x', sizeBytes, vramBytes: 0, activeRequests: 0, expiresAt };
}
