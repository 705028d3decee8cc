/**
 * The routing decision, pure and table-tested: which ready nodes may serve `model`, best first. Nodes with the
 * model loaded (warm) come before nodes that only store it (cold); within each group the lowest load wins, where
 * load is what the node last reported (queue + in flight) plus what this gateway itself has in flight to it
 * (the report is up to a heartbeat old; the gateway's own count is current).
 */
import { tryParseModelName } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';

/** `tiny` and `tiny:latest` (and `registry.ollama.ai/library/tiny:latest`) compare equal. */
export function normalizeModelName(name: string): string {
  return tryParseModelName(name)?.display ?? name;
}

/** A node that may serve the request, with why it ranks where it does. */
export interface RankedNode {
  node: ListedClusterNode;
  warm: boolean;
  load: number;
}

/** Ready nodes holding `model`, warm first, then by load, then by name (stable for equal loads). */
export function rankNodes(
  nodes: readonly ListedClusterNode[],
  model: string,
  ownInFlight: (nodeId: string) => number,
): RankedNode[] {
  const wanted = normalizeModelName(model);
  const ranked: RankedNode[] = [];
  for (const node of nodes) {
    if (!node.ready) continue;
    const warm = node.report.loadedModels.some((m) => normalizeModelName(m.name) === wanted);
    const stored = warm || node.report.storedModels.some((m) => normalizeModelName(m) === wanted);
    if (!stored) continue;
    const load = node.report.queueDepth + node.report.inFlight + ownInFlight(node.id);
    ranked.push({ node, warm, load });
  }
  return ranked.sort(
    (a, b) => Number(b.warm) - Number(a.warm) || a.load - b.load || a.node.name.localeCompare(b.node.name),
  );
}
