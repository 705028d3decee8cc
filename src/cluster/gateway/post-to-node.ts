/**
 * POSTs to nodes over `node:http` / `node:https` with keep-alive agents. The answer stays a Node stream: the
 * gateway writes it to its caller's socket as it is (`send-answer.ts`). On the gateway benchmark
 * (`bench/gateway.ts`), undici's fetch and the WHATWG stream conversions around it (node stream → `Response` →
 * Hono → node stream again) were most of the time the gateway added to the first token; the abort-signal plumbing
 * of `http.request` (`signal`, `AbortSignal.any`) and parsing each node's URL per request were a share of the
 * rest, so a node's URL is parsed once and the two ways a call ends early (no headers in time, the caller went
 * away) destroy the request directly.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CLUSTER_SECRET_HEADER, isRelayUrl } from '../relay-auth.js';

/** A node's answer: status, headers (the raw name/value list) and the body still arriving. */
export interface NodeReply {
  status: number;
  rawHeaders: string[];
  body: IncomingMessage;
}

/**
 * Why a call got no answer: `timeout` (no response headers in time), `cancelled` (the caller's signal), or
 * `unreachable` (a connection error; `code` is the socket's, e.g. `ECONNREFUSED`).
 */
export class NodeCallError extends Error {
  constructor(
    readonly kind: 'timeout' | 'cancelled' | 'unreachable',
    message: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NodeCallError';
  }
}

/** How one call may end early. */
export interface CallLimits {
  /** The caller went away: the request to the node is abandoned. */
  signal: AbortSignal;
  /** How long the node may take to send its response headers. */
  headersTimeoutMs: number;
}

/** A node base URL, parsed once. */
interface Target {
  send: typeof httpRequest;
  agent: HttpAgent;
  hostname: string;
  port: string;
  /** The URL's path without a trailing slash (a relay URL has one): the request path is appended. */
  basePath: string;
  /** A gateway's relay route (a node behind NAT): the cluster secret goes with the call. */
  relay: boolean;
}

/** Node URLs remembered at most; past that the memory starts over (nodes come and go on a long-lived gateway). */
const MAX_TARGETS = 1024;

/** What {@link NodeClient} needs. */
export interface NodeClientOptions {
  /** Sent to nodes reached through a gateway's relay (nodes behind NAT, `relay-auth.ts`). */
  clusterSecret?: string;
  /** Certificate authorities trusted for `https://` nodes besides the system's (PEM). */
  ca?: string;
}

/** The gateway's connections to its nodes: one keep-alive agent per scheme, each node URL parsed once. */
export class NodeClient {
  readonly #o: NodeClientOptions;
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https: HttpsAgent;
  readonly #targets = new Map<string, Target>();

  constructor(options: NodeClientOptions = {}) {
    this.#o = options;
    this.#https = new HttpsAgent({
      keepAlive: true,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
  }

  /** POSTs `body` (JSON) to `path` on the node at `nodeUrl`; resolves with its response headers. */
  post(
    nodeUrl: string,
    path: string,
    body: string,
    headers: Record<string, string>,
    limits: CallLimits,
  ): Promise<NodeReply> {
    return new Promise<NodeReply>((resolve, reject) => {
      const { signal } = limits;
      if (signal.aborted) {
        reject(new NodeCallError('cancelled', 'the request was cancelled'));
        return;
      }
      let req: ClientRequest;
      try {
        const target = this.#target(nodeUrl);
        const payload = Buffer.from(body);
        req = target.send({
          method: 'POST',
          agent: target.agent,
          hostname: target.hostname,
          port: target.port,
          path: `${target.basePath}${path}`,
          headers: {
            ...headers,
            ...(target.relay && this.#o.clusterSecret !== undefined
              ? { [CLUSTER_SECRET_HEADER]: this.#o.clusterSecret }
              : {}),
            'content-length': String(payload.length),
          },
        });
        req.end(payload);
      } catch (err) {
        // A node URL that does not parse, or headers `node:http` refuses.
        reject(
          new NodeCallError('unreachable', `cannot call ${nodeUrl}: ${String(err)}`, undefined, {
            cause: err,
          }),
        );
        return;
      }
      let settled = false;
      const stop = (why: NodeCallError) => req.destroy(why);
      const timer = setTimeout(
        () => stop(new NodeCallError('timeout', 'no response in time')),
        limits.headersTimeoutMs,
      );
      const onAbort = () => stop(new NodeCallError('cancelled', 'the request was cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      req.once('response', (res) => {
        settle();
        resolve({ status: res.statusCode ?? 502, rawHeaders: res.rawHeaders, body: res });
      });
      // Kept for the whole request: a socket error after the headers reaches the request too, and the body's
      // reader (`stream-guard.ts`) reports that one.
      req.on('error', (err: Error & { code?: string }) => {
        if (settled) return;
        settle();
        reject(
          err instanceof NodeCallError
            ? err
            : new NodeCallError('unreachable', err.message, err.code, { cause: err }),
        );
      });
    });
  }

  /** Closes the idle keep-alive connections (the gateway is shutting down). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #target(nodeUrl: string): Target {
    let target = this.#targets.get(nodeUrl);
    if (target !== undefined) return target;
    const url = new URL(nodeUrl);
    const https = url.protocol === 'https:';
    target = {
      send: https ? httpsRequest : httpRequest,
      agent: https ? this.#https : this.#http,
      // `[::1]` → `::1`: `node:http` takes the bare address.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || (https ? '443' : '80'),
      basePath: url.pathname.replace(/\/+$/, ''),
      relay: isRelayUrl(nodeUrl),
    };
    if (this.#targets.size >= MAX_TARGETS) this.#targets.clear();
    this.#targets.set(nodeUrl, target);
    return target;
  }
}
