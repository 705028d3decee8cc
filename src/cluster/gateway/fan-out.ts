/** Asks every ready node the same `GET` at once; nodes that fail or are slow are left out (and logged). */
import type { Logger } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';
import type { NodeDirectory } from './node-directory.js';

/** How long one node may take to answer a listing. */
const FAN_OUT_TIMEOUT_MS = 3000;

export async function fanOut(
  directory: NodeDirectory,
  path: string,
  log: Logger,
): Promise<Array<{ node: ListedClusterNode; body: unknown }>> {
  const nodes = await directory.ready();
  const answers = await Promise.all(
    nodes.map(async (node) => {
      try {
        const res = await fetch(`${node.url}${path}`, { signal: AbortSignal.timeout(FAN_OUT_TIMEOUT_MS) });
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
