/** Asks every ready node the same `GET` at once; nodes that fail or are slow are left out (and logged). */
import type { Logger } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';
import { nodeCallHeaders } from '../relay-auth.js';
import type { NodeDirectory } from './node-directory.js';

/** How long one node may take to answer a listing. */
const FAN_OUT_TIMEOUT_MS = 3000;

export async function fanOut(
  directory: NodeDirectory,
  path: string,
  log: Logger,
  /** Sent to nodes reached through a gateway's relay (`relay-auth.ts`). */
  clusterSecret?: string,
): Promise<Array<{ node: ListedClusterNode; body: unknown }>> {
  const nodes = await directory.ready();
  const answers = await Promise.all(
    nodes.map(async (node) => {
      try {
        const url = `${node.url}${path}`;
        const res = await fetch(url, {
          headers: nodeCallHeaders(url, clusterSecret),
          signal: AbortSignal.timeout(FAN_OUT_TIMEOUT_MS),
        });
        if (!res.ok) throw new Error(`status ${res.status}`);
        const body: unknown = await res.json();
        return { node, body };
      } catch (err) {
        // A listing is the union of what the nodes that answer say; one node down does not fail it.
        log.warn({ err, node: node.name, path }, 'node listing failed');
        return undefined;
      }
    }),
  );
  return answers.filter((a) => a !== undefined);
}

/** What one node said to {@link sendToEach}: its status, or why there was none (`status` 0). */
export interface EachResult {
  node: ListedClusterNode;
  status: number;
  /** The body's start, or the connection error. */
  detail: string;
}

/** How long one node may take to delete or unload a model. */
const EACH_TIMEOUT_MS = 60_000;

/** Sends the same request with a JSON `body` to each of `nodes` at once; each node's outcome is reported. */
export async function sendToEach(
  nodes: readonly ListedClusterNode[],
  method: 'POST' | 'DELETE',
  path: string,
  body: string,
  log: Logger,
  /** Sent to nodes reached through a gateway's relay (`relay-auth.ts`). */
  clusterSecret?: string,
): Promise<EachResult[]> {
  return Promise.all(
    nodes.map(async (node): Promise<EachResult> => {
      try {
        const url = `${node.url}${path}`;
        const res = await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', ...nodeCallHeaders(url, clusterSecret) },
          body,
          signal: AbortSignal.timeout(EACH_TIMEOUT_MS),
        });
        return { node, status: res.status, detail: (await res.text()).slice(0, 200) };
      } catch (err) {
        log.warn({ err, node: node.name, path }, 'node request failed');
        return { node, status: 0, detail: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}
