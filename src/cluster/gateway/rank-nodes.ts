/**
 * The routing decision, pure and table-tested: which ready nodes may serve `model`, best first. Nodes with the
 * model loaded (warm) come before nodes that only store it (cold); within each group the lowest load wins, where
 * load is what the node last reported (queue + in flight) plus what this gateway itself has in flight to it
 * (the report is up to a heartbeat old; the gateway's own count is current).
 *
 * Session affinity: a request that names a session (a conversation or user id) goes to the node that rendezvous
 * hashing picks for that id among the best group, so a conversation's turns land where its prompt prefix is
 * already in the KV cache, and every gateway picks the same node without sharing state. Affinity yields to load:
 * when the chosen node carries more than {@link AFFINITY_SLACK} requests more than the least loaded one, the
 * least loaded goes first.
 */
import { createHash } from 'node:crypto';
import { AppError, tryParseModelName } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';

/** Names normalized lately: requests name the same few models over and over. */
const normalized = new Map<string, string>();
/** Entries {@link normalized} holds at most; past that it starts over. */
const MAX_NORMALIZED = 4096;

/** `tiny` and `tiny:latest` (and `registry.ollama.ai/library/tiny:latest`) compare equal. */
export function normalizeModelName(name: string): string {
  let display = normalized.get(name);
  if (display === undefined) {
    display = tryParseModelName(name)?.display ?? name;
    if (normalized.size >= MAX_NORMALIZED) normalized.clear();
    normalized.set(name, display);
  }
  return display;
}

/** A report's model names, normalized once per listing (the directory reuses a listing for a second). */
const namesOf = new WeakMap<ListedClusterNode['report'], { loaded: Set<string>; stored: Set<string> }>();

/** Whether `node` last reported `model` loaded, and stored (a loaded model is stored too). */
export function modelOnNode(node: ListedClusterNode, model: string): { loaded: boolean; stored: boolean } {
  let names = namesOf.get(node.report);
  if (names === undefined) {
    const loaded = new Set(node.report.loadedModels.map((m) => normalizeModelName(m.name)));
    const stored = new Set(node.report.storedModels.map(normalizeModelName));
    for (const name of loaded) stored.add(name);
    names = { loaded, stored };
    namesOf.set(node.report, names);
  }
  const wanted = normalizeModelName(model);
  return { loaded: names.loaded.has(wanted), stored: names.stored.has(wanted) };
}

/** The answer for a model that no ready node holds. */
export function modelNotFound(model: string): AppError {
  return new AppError('MODEL_NOT_FOUND', `model "${model}" not found on any ready cluster node`);
}

/** A node that may serve the request, with why it ranks where it does. */
export interface RankedNode {
  node: ListedClusterNode;
  warm: boolean;
  load: number;
}

/** How many more requests than the least loaded node a session's node may carry and still be chosen. */
export const AFFINITY_SLACK = 2;

/** Rendezvous (highest random weight) score of `nodeId` for `session`. */
function affinityScore(session: string, nodeId: string): bigint {
  return createHash('sha256').update(session).update('\0').update(nodeId).digest().readBigUInt64BE(0);
}

/**
 * Ready nodes holding `model`, warm first, then by load, then by name (stable for equal loads); with `session`,
 * that session's node first within the best group unless it is overloaded (see the module comment).
 */
export function rankNodes(
  nodes: readonly ListedClusterNode[],
  model: string,
  ownInFlight: (nodeId: string) => number,
  session?: string,
): RankedNode[] {
  const ranked: RankedNode[] = [];
  for (const node of nodes) {
    if (!node.ready) continue;
    const { loaded: warm, stored } = modelOnNode(node, model);
    if (!stored) continue;
    const load = node.report.queueDepth + node.report.inFlight + ownInFlight(node.id);
    ranked.push({ node, warm, load });
  }
  ranked.sort(
    (a, b) => Number(b.warm) - Number(a.warm) || a.load - b.load || a.node.name.localeCompare(b.node.name),
  );
  if (session === undefined || session === '' || ranked.length < 2) return ranked;
  const group = ranked.filter((r) => r.warm === ranked[0]!.warm);
  let chosen = group[0]!;
  let best = affinityScore(session, chosen.node.id);
  for (const r of group.slice(1)) {
    const score = affinityScore(session, r.node.id);
    if (score > best) [chosen, best] = [r, score];
  }
  if (chosen === ranked[0] || chosen.load > ranked[0]!.load + AFFINITY_SLACK) return ranked;
  return [chosen, ...ranked.filter((r) => r !== chosen)];
}

/**
 * Where `POST /api/pull` goes: any ready node, those already storing `model` first (a pull there only checks for
 * updates), then the one with the most free memory (where the model is most likely to fit once loaded), then
 * the least loaded, then by name.
 */
export function pullTargets(
  nodes: readonly ListedClusterNode[],
  model: string,
  ownInFlight: (nodeId: string) => number,
): RankedNode[] {
  return nodes
    .filter((n) => n.ready)
    .map((node) => ({
      node,
      warm: modelOnNode(node, model).stored,
      load: node.report.queueDepth + node.report.inFlight + ownInFlight(node.id),
    }))
    .sort(
      (a, b) =>
        Number(b.warm) - Number(a.warm) ||
        b.node.report.freeMemoryBytes - a.node.report.freeMemoryBytes ||
        a.load - b.load ||
        a.node.name.localeCompare(b.node.name),
    );
}
