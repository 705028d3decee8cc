/**
 * What the router tells an observer (the gateway's metrics) about each forwarding attempt, so counting stays out
 * of the routing code. An attempt's outcome is final when reported: a failed or busy attempt is reported as
 * `retried` once the request goes on to another node, or as itself when it was the last one.
 */

/**
 * `ok`: the node's answer (status < 400) went to the caller. `refused`: its 4xx went to the caller, or its 503
 * (busy, draining) was the last answer. `failed`: unreachable, reset, timed out or 5xx, and no node was tried
 * after it. `retried`: failed or busy, and the request went on to another node.
 */
export type AttemptOutcome = 'ok' | 'refused' | 'failed' | 'retried';

export interface ForwardObserver {
  /** `headersSeconds`: time until the node's response headers; undefined when none came. */
  attempt(node: string, outcome: AttemptOutcome, headersSeconds: number | undefined): void;
}
