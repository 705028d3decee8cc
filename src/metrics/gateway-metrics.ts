/**
 * The cluster gateway's own metrics, on the gateway's `GET /metrics` beside the HTTP metrics every Corral server
 * records: what it forwarded to which node and how that went (counted by the router's observer as it happens),
 * and, read at scrape time from the objects that hold them (no polling loop), its in-flight requests and circuit
 * breaker per node, the ready nodes and whether it leads the controller. Label `node` is the node's name.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../core/index.js';
import { perScrape } from './per-scrape.js';

/**
 * How one forwarding attempt ended: `ok` (the node's answer, status < 400, went to the caller), `refused` (its 4xx
 * went to the caller, or its 503 "busy" was the last answer), `failed` (unreachable, timed out or 5xx, and no
 * other node was tried after it), `retried` (failed or busy, and the request went on to another node).
 */
export type ForwardOutcome = 'ok' | 'refused' | 'failed' | 'retried';

/** Circuit breaker states, as the gateway's breaker names them. */
export type BreakerGaugeState = 'closed' | 'half-open' | 'open';

/** The gauge value of each breaker state. */
export const BREAKER_VALUES: Readonly<Record<BreakerGaugeState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

/** A registered node, as the gateway's directory lists it. */
export interface GatewayNode {
  id: string;
  name: string;
  state: string;
  ready: boolean;
}

/** Where the gauges read from at scrape time (`start-gateway.ts` wires the directory, router, breaker, controller). */
export interface GatewaySources {
  nodes(): Promise<readonly GatewayNode[]>;
  /** Requests this gateway has in flight to the node (by id). */
  inFlight(nodeId: string): number;
  breakerState(nodeId: string): BreakerGaugeState;
  isLeader(): boolean;
  log: Logger;
}

/** Registers the gateway metrics on a registry and counts forwarding attempts (the router's observer). */
export class GatewayMetrics {
  readonly #attempts: Counter<'node' | 'outcome'>;
  readonly #headers: Histogram<'node'>;

  constructor(registry: Registry, sources: GatewaySources) {
    const registers = [registry];
    this.#attempts = new Counter({
      name: 'corral_gateway_forwarded_requests_total',
      help: 'Forwarding attempts to nodes, by node and outcome (ok, refused, failed, retried).',
      labelNames: ['node', 'outcome'] as const,
      registers,
    });
    this.#headers = new Histogram({
      name: 'corral_gateway_node_response_seconds',
      help: "Time until a node's response headers, by node (attempts that got no answer are not observed).",
      labelNames: ['node'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    // Nodes that left are gone for good: keeping their series would only grow the label set.
    const listing = perScrape(async () => {
      try {
        return (await sources.nodes()).filter((n) => n.state !== 'left');
      } catch (err) {
        // The database is unreachable: the scrape still serves the HTTP metrics, the node gauges are empty.
        sources.log.warn({ err }, 'cluster nodes not listed for metrics');
        return [];
      }
    });
    const inFlight: Gauge<'node'> = new Gauge({
      name: 'corral_gateway_node_in_flight_requests',
      help: 'Requests this gateway has in flight to each node.',
      labelNames: ['node'] as const,
      registers,
      collect: async () => {
        const nodes = await listing();
        inFlight.reset();
        for (const n of nodes) inFlight.set({ node: n.name }, sources.inFlight(n.id));
      },
    });
    const breaker: Gauge<'node'> = new Gauge({
      name: 'corral_gateway_node_breaker_state',
      help: "This gateway's circuit breaker per node: 0 closed, 1 half-open, 2 open.",
      labelNames: ['node'] as const,
      registers,
      collect: async () => {
        const nodes = await listing();
        breaker.reset();
        for (const n of nodes) breaker.set({ node: n.name }, BREAKER_VALUES[sources.breakerState(n.id)]);
      },
    });
    const ready: Gauge = new Gauge({
      name: 'corral_gateway_ready_nodes',
      help: 'Nodes that are ready (state ready, heartbeat fresh) as this gateway sees them.',
      registers,
      collect: async () => ready.set((await listing()).filter((n) => n.ready).length),
    });
    const leader: Gauge = new Gauge({
      name: 'corral_gateway_leader',
      help: 'Whether this gateway leads the cluster controller (1) or not (0).',
      registers,
      collect: () => leader.set(sources.isLeader() ? 1 : 0),
    });
  }

  /** One attempt on `node` ended with `outcome`; `headersSeconds` when the node answered with headers. */
  attempt(node: string, outcome: ForwardOutcome, headersSeconds: number | undefined): void {
    this.#attempts.inc({ node, outcome });
    if (headersSeconds !== undefined) this.#headers.observe({ node }, headersSeconds);
  }
}
