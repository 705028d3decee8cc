/**
 * Per-node circuit breaking. Consecutive connection failures (refused, reset, timed out, 5xx that is not "busy")
 * open a node's circuit: it is skipped for a cooldown that doubles with each failed probe (up to `maxCooldownMs`).
 * After the cooldown the circuit is half-open: one request probes the node; success closes it, failure opens it
 * again for longer. A node that is only busy (503 QUEUE_FULL) is neither a success nor a failure here.
 */

/** `closed`: used; `open`: skipped; `half-open`: one probe allowed. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit (default 2). */
  threshold?: number;
  /** First cooldown (default 1 s); doubled after each failed probe. */
  baseCooldownMs?: number;
  maxCooldownMs?: number;
  now?: () => number;
}

interface NodeCircuit {
  failures: number;
  openedAt: number;
  cooldownMs: number;
  open: boolean;
  probing: boolean;
}

/** Breaker states of every node this gateway has talked to. */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #base: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #circuits = new Map<string, NodeCircuit>();

  constructor(o: CircuitBreakerOptions = {}) {
    this.#threshold = o.threshold ?? 2;
    this.#base = o.baseCooldownMs ?? 1000;
    this.#max = o.maxCooldownMs ?? 30_000;
    this.#now = o.now ?? Date.now;
  }

  state(nodeId: string): BreakerState {
    const c = this.#circuits.get(nodeId);
    if (c === undefined || !c.open) return 'closed';
    return this.#now() - c.openedAt >= c.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a request may go to the node now; a half-open node admits one probe at a time. */
  tryAcquire(nodeId: string): boolean {
    const state = this.state(nodeId);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const c = this.#circuits.get(nodeId) as NodeCircuit;
    if (c.probing) return false;
    c.probing = true;
    return true;
  }

  succeeded(nodeId: string): void {
    this.#circuits.delete(nodeId);
  }

  /** A request that was admitted but neither succeeded nor failed (busy, or cancelled by its caller). */
  released(nodeId: string): void {
    const c = this.#circuits.get(nodeId);
    if (c !== undefined) c.probing = false;
  }

  failed(nodeId: string): void {
    const c = this.#circuits.get(nodeId) ?? {
      failures: 0,
      openedAt: 0,
      cooldownMs: 0,
      open: false,
      probing: false,
    };
    c.failures++;
    if (c.open) {
      // A failed probe: longer cooldown.
      c.cooldownMs = Math.min(this.#max, c.cooldownMs * 2);
      c.openedAt = this.#now();
    } else if (c.failures >= this.#threshold) {
      c.open = true;
      c.cooldownMs = this.#base;
      c.openedAt = this.#now();
    }
    c.probing = false;
    this.#circuits.set(nodeId, c);
  }
}
