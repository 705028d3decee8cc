/**
 * The Cluster page's cells as people read them, from `GET /api/cluster/nodes` and `/deployments`: kept apart
 * from the page so the wording (ready or stale, heartbeat ages, load, memory, replicas) is tested without a
 * browser. Readiness itself is the gateway's verdict (judged against the database's clock, docs/cluster.md);
 * these helpers only word it.
 */
import type { ClusterDeployment, ClusterNodeInfo, ClusterNodeLoadedModel } from '../../../src/api/index.js';
import { formatBytes, formatSeconds } from './format.js';

/** A heartbeat age: tenths of a second below 10 s (heartbeats come every few seconds), then `1m 5s`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  return ms < 10_000 ? `${(Math.floor(ms / 100) / 10).toFixed(1)}s` : formatSeconds(ms / 1000);
}

/** `ready` (serving), `stale` (its heartbeats stopped) or `not ready` (fresh, but draining or left). */
export type Readiness = 'ready' | 'stale' | 'not ready';

/** The node's readiness as the gateway judged it, and whether a stopped heartbeat is the reason. */
export function readiness(node: Pick<ClusterNodeInfo, 'ready' | 'ageMs'>, staleAfterMs: number): Readiness {
  if (node.ready) return 'ready';
  return node.ageMs >= staleAfterMs ? 'stale' : 'not ready';
}

/** One loaded model: `tiny:latest · 2 active`. */
export function loadedLabel(m: Pick<ClusterNodeLoadedModel, 'name' | 'activeRequests'>): string {
  return `${m.name} · ${m.activeRequests} active`;
}

/** Requests in flight on the node as it reported them, and this gateway's own count when it has some. */
export function inFlightLabel(node: Pick<ClusterNodeInfo, 'report' | 'gatewayInFlight'>): string {
  const reported = String(node.report.inFlight);
  return node.gatewayInFlight > 0 ? `${reported} (${node.gatewayInFlight} via this gateway)` : reported;
}

/** Free memory, and free VRAM where the node reports it (`null`: not probed). */
export function freeMemoryLabel(report: ClusterNodeInfo['report']): string {
  const ram = formatBytes(report.freeMemoryBytes);
  return report.freeVramBytes === null ? ram : `${ram} · VRAM ${formatBytes(report.freeVramBytes)}`;
}

/** Whether draining the node changes anything: only a `ready` node takes new requests. */
export function drainable(node: Pick<ClusterNodeInfo, 'state'>): boolean {
  return node.state === 'ready';
}

/** Ready replicas of a deployment against those wanted (`1 / 2`), and whether it has them all. */
export function replicasLabel(d: Pick<ClusterDeployment, 'replicas' | 'ready_replicas'>): {
  text: string;
  complete: boolean;
} {
  return { text: `${d.ready_replicas} / ${d.replicas}`, complete: d.ready_replicas >= d.replicas };
}
