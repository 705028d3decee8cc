/**
 * A node's membership loop: register in the shared database, then heartbeat every `intervalMs` with a fresh
 * report. The heartbeat's time is the database's (see `db/cluster-repository.ts`), so this loop needs no clock of
 * its own. A database outage is logged once and retried on the next tick; a heartbeat the database refuses (the
 * node was removed, or marked `left`) registers the node again.
 */
import { isAppError, type Logger } from '../core/index.js';
import type { ClusterRepository, NodeReport } from '../db/index.js';

/** Options of {@link NodeAgent}. */
export interface NodeAgentOptions {
  cluster: Pick<ClusterRepository, 'register' | 'heartbeat' | 'setState'>;
  /** The node's stable id, unique name, and the URL gateways reach it at. */
  node: { id: string; name: string; url: string };
  /** Takes a fresh report for each heartbeat (`createNodeReporter`). */
  report: () => Promise<NodeReport>;
  log: Logger;
  /** Between the end of one heartbeat and the start of the next (default 3 s). */
  intervalMs?: number;
}

/** Keeps one node registered and alive in the cluster until {@link NodeAgent.close}. */
export class NodeAgent implements AsyncDisposable {
  readonly #o: NodeAgentOptions;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<unknown> | undefined;
  #registered = false;
  #epoch: number | undefined;
  #failing = false;
  #started = false;
  /** A nudge arrived while a heartbeat ran: beat again right after it. */
  #again = false;
  /** Nudges waiting for the next heartbeat to finish. */
  #waiters: Array<() => void> = [];
  #closing: Promise<void> | undefined;

  constructor(options: NodeAgentOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'node-agent', node: options.node.name });
    this.#intervalMs = options.intervalMs ?? 3000;
  }

  /** Whether the last registration stands (as far as the agent knows). */
  get registered(): boolean {
    return this.#registered;
  }

  /** The epoch of the node's current registration; undefined before the first one. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  /**
   * Registers and starts heartbeating. A database that does not answer is retried on the next tick; a name taken
   * by another node (`CONFLICT`) is a configuration error and rejects.
   */
  async start(): Promise<void> {
    if (this.#started || this.#closing !== undefined) return;
    this.#started = true;
    const first = this.#beat();
    this.#tick = first; // a close() meanwhile waits for the registration, then marks it left
    const error = await first;
    if (isAppError(error, 'CONFLICT')) {
      await this.close();
      throw error;
    }
    this.#next();
  }

  /**
   * Heartbeats now instead of at the next tick: the report changed in a way gateways should see at once (a model
   * was pulled, created or deleted). A nudge during a heartbeat makes another one follow it. Resolves when that
   * heartbeat has finished (or failed, which it logs), or at once when the agent is not running.
   */
  nudge(): Promise<void> {
    if (!this.#started || this.#closing !== undefined) return Promise.resolve();
    const beaten = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#timer === undefined) this.#again = true;
    else this.#schedule(0);
    return beaten;
  }

  /** Stops heartbeating and marks the node `left` (best effort: a down database just misses it). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      await this.#tick;
      for (const resolve of this.#waiters.splice(0)) resolve();
      if (!this.#registered) return;
      this.#registered = false;
      try {
        await this.#o.cluster.setState(this.#o.node.id, 'left');
        this.#log.info({}, 'cluster node left');
      } catch (err) {
        // Best effort: the node's heartbeats stop, so it goes stale and gateways stop using it anyway.
        this.#log.warn({ err }, 'cluster leave not recorded');
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The next heartbeat: at once after a nudge, else after the interval. */
  #next(): void {
    const soon = this.#again;
    this.#again = false;
    this.#schedule(soon ? 0 : this.#intervalMs);
  }

  #schedule(ms: number): void {
    if (this.#closing !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const waiting = this.#waiters.splice(0);
      this.#tick = this.#beat().then(() => {
        for (const resolve of waiting) resolve();
        this.#next();
      });
    }, ms);
    this.#timer.unref();
  }

  /** One heartbeat (or registration); resolves to its error, already logged, or undefined. Never rejects. */
  async #beat(): Promise<unknown> {
    try {
      const report = await this.#o.report();
      if (this.#registered && (await this.#o.cluster.heartbeat(this.#o.node.id, report))) {
        this.#recovered();
        return undefined;
      }
      if (this.#registered) this.#log.warn({}, 'cluster node unknown to the database, registering again');
      const record = await this.#o.cluster.register({ ...this.#o.node, report });
      this.#registered = true;
      this.#epoch = record.epoch;
      this.#log.info({ epoch: record.epoch, url: record.url }, 'cluster node registered');
      this.#recovered();
      return undefined;
    } catch (err) {
      if (!this.#failing) this.#log.warn({ err }, 'cluster heartbeat failed');
      this.#failing = true;
      return err;
    }
  }

  #recovered(): void {
    if (this.#failing) this.#log.info({}, 'cluster heartbeat restored');
    this.#failing = false;
  }
}
