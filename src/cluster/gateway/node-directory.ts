/**
 * The gateway's view of the cluster: `db.cluster.list()` cached for `ttlMs` (one query per second per gateway,
 * however many requests), with concurrent refreshes shared. Readiness is the database's verdict (heartbeat age
 * by its own clock); the gateway keeps no membership state of its own, so any number of gateways agree.
 */
import type { ClusterRepository, ListedClusterNode } from '../../db/index.js';

/** How old a listing {@link NodeDirectory.fresh} may reuse. */
const FRESH_MS = 100;

/** Options of {@link NodeDirectory}. */
export interface NodeDirectoryOptions {
  cluster: Pick<ClusterRepository, 'list'>;
  /** A node whose last heartbeat is older than this is not ready. */
  staleAfterMs: number;
  /** How long one listing is reused (default 1 s). */
  ttlMs?: number;
}

/** Cached node listing. */
export class NodeDirectory {
  readonly #o: NodeDirectoryOptions;
  #cached: { at: number; nodes: ListedClusterNode[] } | undefined;
  #loading: Promise<ListedClusterNode[]> | undefined;

  constructor(options: NodeDirectoryOptions) {
    this.#o = options;
  }

  get staleAfterMs(): number {
    return this.#o.staleAfterMs;
  }

  /** Every registered node (ready or not), at most `ttlMs` old. Database failures reject. */
  nodes(): Promise<ListedClusterNode[]> {
    return this.#load(this.#o.ttlMs ?? 1000);
  }

  /**
   * A listing at most `FRESH_MS` old: for a model the cached listing does not have, which may have appeared on a
   * node since (a pull or create that just finished). Concurrent callers share one query, and a flood of
   * requests for unknown models costs at most one query per `FRESH_MS`.
   */
  fresh(): Promise<ListedClusterNode[]> {
    return this.#load(FRESH_MS);
  }

  #load(maxAgeMs: number): Promise<ListedClusterNode[]> {
    const cached = this.#cached;
    if (cached !== undefined && Date.now() - cached.at < maxAgeMs) return Promise.resolve(cached.nodes);
    this.#loading ??= this.#o.cluster
      .list({ staleAfterMs: this.#o.staleAfterMs })
      .then((nodes) => {
        this.#cached = { at: Date.now(), nodes };
        return nodes;
      })
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** Drops the cached listing: this gateway just changed a node's state, so the next read goes to the database. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** The ready ones. */
  async ready(): Promise<ListedClusterNode[]> {
    return (await this.nodes()).filter((n) => n.ready);
  }
}
