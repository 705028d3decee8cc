/**
 * The controller, run by every gateway: a loop that tries to become leader (PostgreSQL advisory lock, see
 * {@link LeaderLease}) and, only while leading, reconciles deployments. Before acting on a tick's plan the leader
 * passes a fenced check in the database, so a leader that lost its lock without noticing yet does not act; the
 * actions themselves are HTTP calls to nodes (pull, then load with `keep_alive: -1`), remembered in memory so
 * repeated ticks do not ask again while a request runs or shortly after it.
 */
import type { Logger } from '../../core/index.js';
import type { ClusterRepository } from '../../db/index.js';
import type { LeaderLease } from '../leader-lease.js';
import { nodeCallHeaders } from '../relay-auth.js';
import type { NodeDirectory } from '../gateway/node-directory.js';
import { planPlacement, type PlacementAction } from './plan-placement.js';

/** Options of {@link ClusterController}. */
export interface ClusterControllerOptions {
  lease: Pick<LeaderLease, 'tryAcquire' | 'isLeader' | 'epoch' | 'fencedWrite' | 'close'>;
  cluster: Pick<ClusterRepository, 'deployments'>;
  directory: Pick<NodeDirectory, 'nodes' | 'staleAfterMs'>;
  log: Logger;
  /** Tick period (ms); default 1000. */
  intervalMs?: number;
  /** After this long (ms) an unanswered or failed ask may be repeated; default 30 s. */
  retryAfterMs?: number;
  /** How a node is called (tests inject); default the global fetch. */
  fetch?: typeof fetch;
  /** Sent to nodes reached through a gateway's relay (nodes behind NAT, `relay-auth.ts`). */
  clusterSecret?: string;
}

/** The leader loop. `start()` once; `close()` stops it and releases leadership. */
export class ClusterController implements AsyncDisposable {
  readonly #o: ClusterControllerOptions;
  readonly #log: Logger;
  /** `nodeId/model` → when it was asked (ms); cleared when the node reports the model loaded. */
  readonly #asked = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #closed = false;

  constructor(options: ClusterControllerOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'controller' });
  }

  get isLeader(): boolean {
    return this.#o.lease.isLeader;
  }

  get epoch(): number | undefined {
    return this.#o.lease.epoch;
  }

  start(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#schedule(0);
  }

  /** One tick: acquire if not leading, reconcile if leading. Never rejects (failures are logged). */
  async tick(): Promise<void> {
    try {
      if (!this.#o.lease.isLeader && !(await this.#o.lease.tryAcquire())) return;
      await this.#reconcile();
    } catch (err) {
      this.#log.warn({ err }, 'controller tick failed');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await this.#o.lease.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#tick = this.tick().finally(() => {
        if (!this.#closed) this.#schedule(this.#o.intervalMs ?? 1000);
      });
    }, ms);
    this.#timer.unref();
  }

  async #reconcile(): Promise<void> {
    const [nodes, deployments] = await Promise.all([
      this.#o.directory.nodes(),
      this.#o.cluster.deployments(),
    ]);
    const now = Date.now();
    const retry = this.#o.retryAfterMs ?? 30_000;
    for (const [key, at] of this.#asked) if (now - at > retry) this.#asked.delete(key);
    const plan = planPlacement({
      nodes,
      deployments,
      staleAfterMs: this.#o.directory.staleAfterMs,
      pending: (id, model) => this.#asked.has(`${id}/${model}`),
      releasing: (id, model) => this.#asked.has(`release:${id}/${model}`),
    });
    if (plan.partitioned) {
      this.#log.warn(
        { stale: plan.staleNodes, known: plan.knownNodes },
        'most nodes look stale: not rescheduling (partition suspected)',
      );
      return;
    }
    for (const s of plan.short) this.#log.debug(s, 'deployment short of nodes');
    // Undeployed models whose copies are all released: the row goes (unless it was deployed again meanwhile).
    for (const model of plan.retired) {
      if (await this.#o.lease.fencedWrite((tx) => tx.removeDeployment(model, { onlyRetired: true }))) {
        this.#log.info({ model }, 'undeployed model released everywhere');
      }
    }
    if (plan.actions.length === 0) return;
    // The fence: a leader whose epoch is no longer current does not act (CONFLICT rejects the tick).
    await this.#o.lease.fencedWrite(() => Promise.resolve());
    for (const a of plan.actions) {
      if (a.kind === 'release') {
        this.#asked.delete(`${a.nodeId}/${a.model}`);
        this.#asked.set(`release:${a.nodeId}/${a.model}`, now);
      } else {
        this.#asked.delete(`release:${a.nodeId}/${a.model}`);
        this.#asked.set(`${a.nodeId}/${a.model}`, now);
      }
      void this.#place(a);
    }
  }

  /**
   * Pulls (when needed) and loads, or releases; the ask stays remembered either way, so a failure is retried
   * later.
   */
  async #place(a: PlacementAction): Promise<void> {
    const call = this.#o.fetch ?? fetch;
    const post = async (path: string, body: object) => {
      const url = `${a.nodeUrl}${path}`;
      const res = await call(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...nodeCallHeaders(url, this.#o.clusterSecret) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      await res.body?.cancel();
    };
    const log = { node: a.nodeName, model: a.model };
    if (a.kind === 'release') {
      try {
        // keep_alive 0: unloaded as soon as its requests in flight are done.
        await post('/api/generate', { model: a.model, prompt: '', keep_alive: 0 });
        this.#log.info(log, 'model replica released');
      } catch (err) {
        this.#log.warn({ ...log, err }, 'model release failed');
      }
      return;
    }
    try {
      this.#log.info({ ...log, pull: a.pull }, 'placing model');
      if (a.pull) await post('/api/pull', { model: a.model, stream: false });
      // Ollama's load: an empty prompt; keep_alive -1 pins it (src/http/ollama/lifecycle-routes.ts).
      await post('/api/generate', { model: a.model, prompt: '', keep_alive: -1 });
      this.#log.info(log, 'model placed');
    } catch (err) {
      this.#log.warn({ ...log, err }, 'model placement failed');
    }
  }
}
