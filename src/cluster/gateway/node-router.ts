/**
 * Forwards one inference request to the best node for its model and retries before the first byte: a node that
 * cannot be reached, times out before answering or answers 5xx is recorded as a failure (circuit breaker) and the
 * next candidate is tried; a node that answers 503 because it is busy (queue full) is tried elsewhere too but is
 * not a failure. Once a node has answered (2xx, or a 4xx that is the request's own fault), its response is the
 * answer: it streams through untouched, and a break after that first byte ends the stream with an error in its
 * own format (`stream-guard.ts`). Tokens already sent cannot be taken back, so nothing is replayed.
 */
import { PassThrough, type Writable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { errorBodyMessage } from '../../api/index.js';
import { AppError, type Logger } from '../../core/index.js';
import type { ListedClusterNode } from '../../db/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ForwardObserver } from './forward-observer.js';
import type { NodeDirectory } from './node-directory.js';
import { NodeCallError, NodeClient, type NodeReply } from './post-to-node.js';
import { modelNotFound, normalizeModelName, pullTargets, rankNodes, type RankedNode } from './rank-nodes.js';
import { relayStream, streamFormat, type RelayOutcome } from './stream-guard.js';

/** Options of {@link NodeRouter}. */
export interface NodeRouterOptions {
  directory: NodeDirectory;
  breaker: CircuitBreaker;
  log: Logger;
  /** Nodes tried per request (default 3). */
  attempts?: number;
  /** How long a node may take to send its response headers (default 5 min: a model may have to load first). */
  headersTimeoutMs?: number;
  /** A request for a model no ready node has pulls it onto the best node first (`CORRAL_PULL_ON_DEMAND`). */
  pullOnDemand?: boolean;
  /** Told how each attempt ended (the gateway's metrics). */
  observer?: ForwardObserver;
  /** Sent to nodes reached through a gateway's relay (nodes behind NAT, `relay-auth.ts`). */
  clusterSecret?: string;
  /** Certificate authorities trusted for `https://` nodes besides the system's (PEM). */
  ca?: string;
}

/** One request to forward. */
export interface ForwardRequest {
  /** Path and query, e.g. `/api/chat`. */
  path: string;
  body: string;
  model: string;
  /** The caller's `Accept` header, if any. */
  accept?: string;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  /** A conversation or user id: its requests prefer one node (`rankNodes`). */
  session?: string;
  /** A pull: any ready node may take it (`pullTargets`), not only those that have the model. */
  pull?: boolean;
}

/** What the gateway answers its caller: a node's status, headers and body, or a node's refusal. */
export interface RoutedAnswer {
  status: number;
  /** Lower-case names, hop-by-hop ones removed; `x-corral-node` names the node that answered. */
  headers: AnswerHeaders;
  /**
   * Writes the body into `dest` and ends it (`relayStream`); called once, at once: until then the node's answer
   * waits, and the request counts as in flight. Resolves once the first chunk is written (or the body ended).
   */
  sendTo(dest: Writable): Promise<void>;
}

/** The whole body of `answer`, as text. */
export function answerText(answer: RoutedAnswer): Promise<string> {
  const sink = new PassThrough();
  void answer.sendTo(sink);
  return readText(sink);
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus a length the relay may change (a broken stream gets an error line). */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/** Response headers by lower-case name (plain data: the hot path builds no `Headers` objects). */
export type AnswerHeaders = Record<string, string | string[]>;

/**
 * A node's headers without the hop-by-hop ones, from the raw name/value list in one pass (`IncomingMessage.headers`
 * would build an object of them first). A repeated header keeps each value.
 */
function answerHeaders(raw: readonly string[]): AnswerHeaders {
  const headers: AnswerHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase();
    if (HOP.has(key)) continue;
    const value = raw[i + 1]!;
    const seen = headers[key];
    headers[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return headers;
}

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Routes requests to nodes; holds this gateway's in-flight count per node. */
export class NodeRouter {
  readonly #o: NodeRouterOptions;
  readonly #inFlight = new Map<string, number>();
  readonly #client: NodeClient;
  /** On-demand pulls in progress, by model. */
  readonly #placing = new Map<string, Promise<RankedNode[]>>();

  constructor(options: NodeRouterOptions) {
    this.#o = options;
    this.#client = new NodeClient({ clusterSecret: options.clusterSecret, ca: options.ca });
  }

  /** Closes the idle connections to nodes (the gateway is shutting down). */
  close(): void {
    this.#client.close();
  }

  /** Requests this gateway has in flight to `nodeId`. */
  inFlight(nodeId: string): number {
    return this.#inFlight.get(nodeId) ?? 0;
  }

  async forward(req: ForwardRequest): Promise<RoutedAnswer> {
    const load = (id: string) => this.inFlight(id);
    if (req.pull) return this.#attempt(await this.#pullTargets(req.model), req);
    let ranked = rankNodes(await this.#o.directory.nodes(), req.model, load, req.session);
    // The cached listing may predate the model (just pulled or created on a node): look again before a 404.
    if (ranked.length === 0)
      ranked = rankNodes(await this.#o.directory.fresh(), req.model, load, req.session);
    if (ranked.length === 0 && this.#o.pullOnDemand) ranked = await this.#placeOnDemand(req.model);
    if (ranked.length === 0) throw modelNotFound(req.model);
    return this.#attempt(ranked, req);
  }

  /**
   * Pulls `model` onto the best node (`pullTargets`) and returns that node. Concurrent requests for the same model
   * share one pull; it is not cancelled when one of them goes away. The node answers its pull only after its
   * heartbeat reports the model, so every gateway can route to it from then on.
   */
  #placeOnDemand(model: string): Promise<RankedNode[]> {
    const key = normalizeModelName(model);
    let placing = this.#placing.get(key);
    if (placing === undefined) {
      placing = this.#pullSomewhere(model).finally(() => this.#placing.delete(key));
      this.#placing.set(key, placing);
    }
    return placing;
  }

  async #pullSomewhere(model: string): Promise<RankedNode[]> {
    const targets = await this.#pullTargets(model);
    this.#o.log.info({ model, node: targets[0]!.node.name }, 'pulling a model on demand');
    const answer = await this.#attempt(targets, {
      path: '/api/pull',
      body: JSON.stringify({ model, stream: false }),
      model,
      signal: new AbortController().signal,
    });
    const text = await answerText(answer);
    const puller = targets.find((t) => t.node.name === answer.headers['x-corral-node']);
    if (answer.status === 200 && puller !== undefined) return [{ ...puller, warm: false }];
    const why = `pulling "${model}" on demand failed: ${errorBodyMessage(text)?.message ?? text.slice(0, 300)}`;
    if (answer.status === 404) throw new AppError('MODEL_NOT_FOUND', `model "${model}" not found (${why})`);
    if (answer.status === 400) throw new AppError('INVALID_REQUEST', why);
    throw new AppError('NODE_UNAVAILABLE', why);
  }

  /** Nodes a pull of `model` may go to, best first; `NODE_UNAVAILABLE` when no node is ready. */
  async #pullTargets(model: string): Promise<RankedNode[]> {
    const targets = pullTargets(await this.#o.directory.nodes(), model, (id) => this.inFlight(id));
    if (targets.length === 0) throw new AppError('NODE_UNAVAILABLE', 'no cluster node is ready to pull onto');
    return targets;
  }

  /** Tries `candidates` in order (at most `attempts`, skipping open circuits) until one answers. */
  async #attempt(candidates: readonly RankedNode[], req: ForwardRequest): Promise<RoutedAnswer> {
    let attempts = this.#o.attempts ?? 3;
    let last: { status: number; headers: AnswerHeaders; body: string } | undefined;
    const failures: string[] = [];
    // The last failed or busy attempt: `retried` once another one starts, else reported as itself at the end.
    let unsettled: Parameters<ForwardObserver['attempt']> | undefined;
    for (const { node } of candidates) {
      if (attempts === 0) break;
      if (!this.#o.breaker.tryAcquire(node.id)) continue;
      attempts--;
      if (unsettled) this.#o.observer?.attempt(unsettled[0], 'retried', unsettled[2]);
      const started = performance.now();
      const outcome = await this.#try(node, req);
      const seconds = (performance.now() - started) / 1000;
      if (outcome.kind === 'response') {
        this.#o.observer?.attempt(node.name, outcome.answer.status < 400 ? 'ok' : 'refused', seconds);
        return outcome.answer;
      }
      unsettled =
        outcome.kind === 'failed'
          ? [node.name, 'failed', undefined]
          : [node.name, outcome.answer.status === 503 ? 'refused' : 'failed', seconds];
      if (outcome.kind === 'refused') {
        last = outcome.answer;
        failures.push(`${node.name}: ${outcome.answer.status}`);
      } else failures.push(`${node.name}: ${outcome.reason}`);
      this.#o.log.warn(
        { node: node.name, model: req.model, outcome: failures.at(-1) },
        'node attempt failed',
      );
    }
    if (unsettled) this.#o.observer?.attempt(...unsettled);
    if (last !== undefined) {
      const headers = { ...last.headers };
      headers['content-length'] = String(Buffer.byteLength(last.body));
      const body = last.body;
      return {
        status: last.status,
        headers,
        sendTo: (dest) => {
          dest.end(body);
          return Promise.resolve();
        },
      };
    }
    throw new AppError(
      'NODE_UNAVAILABLE',
      failures.length === 0
        ? `every node with model "${req.model}" is cooling down after failures; retry shortly`
        : `no cluster node could serve model "${req.model}" (${failures.join('; ')})`,
    );
  }

  async #try(
    node: ListedClusterNode,
    req: ForwardRequest,
  ): Promise<
    | { kind: 'response'; answer: RoutedAnswer }
    | { kind: 'refused'; answer: { status: number; headers: AnswerHeaders; body: string } }
    | { kind: 'failed'; reason: string }
  > {
    const breaker = this.#o.breaker;
    this.#inFlight.set(node.id, this.inFlight(node.id) + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = this.inFlight(node.id) - 1;
      if (n <= 0) this.#inFlight.delete(node.id);
      else this.#inFlight.set(node.id, n);
    };
    let res: NodeReply;
    try {
      res = await this.#client.post(
        node.url,
        req.path,
        req.body,
        { 'content-type': 'application/json', ...(req.accept ? { accept: req.accept } : {}) },
        { signal: req.signal, headersTimeoutMs: this.#o.headersTimeoutMs ?? 300_000 },
      );
    } catch (err) {
      uncount();
      if (err instanceof NodeCallError && err.kind === 'cancelled') {
        breaker.released(node.id);
        throw new AppError('CANCELLED', 'the request was cancelled', { cause: err });
      }
      breaker.failed(node.id);
      const reason =
        err instanceof NodeCallError && err.kind === 'unreachable' ? (err.code ?? err.message) : why(err);
      return { kind: 'failed', reason };
    }
    if (res.status >= 500) {
      uncount();
      // The status is the answer; a cut body changes nothing.
      const body = await readText(res.body).catch(() => '');
      // 503 is the node saying it is busy (QUEUE_FULL) or draining: try elsewhere, but it is not down.
      if (res.status === 503) breaker.released(node.id);
      else breaker.failed(node.id);
      return {
        kind: 'refused',
        answer: { status: res.status, headers: answerHeaders(res.rawHeaders), body },
      };
    }
    breaker.succeeded(node.id);
    const headers = answerHeaders(res.rawHeaders);
    headers['x-corral-node'] = node.name;
    const type = headers['content-type'];
    const format = streamFormat(typeof type === 'string' ? type : null, req.path);
    const relayed = (outcome: RelayOutcome) => {
      uncount();
      if (outcome === 'cancelled')
        this.#o.log.debug({ node: node.name, path: req.path }, 'caller left mid-answer');
      // A caller that went away aborts the node request too: that break is theirs, not the node's.
      if (outcome === 'broken' && !req.signal.aborted) {
        breaker.failed(node.id);
        this.#o.log.warn({ node: node.name, model: req.model }, 'node stream broken');
      }
    };
    const sendTo = (dest: Writable) =>
      relayStream(
        res.body,
        dest,
        format,
        (err) => `cluster node ${node.name} failed mid-response: ${why(err)}`,
        relayed,
      );
    return { kind: 'response', answer: { status: res.status, headers, sendTo } };
  }
}
