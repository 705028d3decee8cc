/**
 * The gateway's side of the reverse tunnels (issue #7, nodes behind NAT): the tunnels this gateway holds, by node
 * id, each an HTTP/2 client session over the node's upgraded connection. `relay()` sends one request down a tunnel
 * and answers with the node's response as it streams; a caller that goes away resets the stream, which cancels
 * the node's own request. PINGs notice a dead node in seconds, and every tunnel's credentials are checked again
 * every few seconds, so revoking a join token closes the tunnels opened with it.
 */
import {
  connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { AppError, type Logger } from '../../core/index.js';
import { issueRelayTicket, relayUrl, type RelayTicket } from '../relay-auth.js';
import { keepAlive } from './keep-alive.js';
import {
  forwardedHeaders,
  h2Transport,
  RELAY_SIGNATURE_HEADER,
  RELAY_URL_HEADER,
  SESSION_WINDOW,
  STREAM_WINDOW,
  TUNNEL_PROTOCOL,
} from './tunnel-protocol.js';

/** Options of {@link TunnelHub}. */
export interface TunnelHubOptions {
  /** The cluster secret: relay tickets are signed with it. */
  secret: string;
  /** This gateway's advertised URL (`CORRAL_GATEWAY_URL`); relay URLs start with it. */
  gatewayUrl: () => string;
  log: Logger;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** How often each tunnel's credentials are checked again (default 5 s). */
  recheckMs?: number;
}

/** A connection a node upgraded, to be taken over as its tunnel. */
export interface TunnelOffer {
  nodeId: string;
  socket: Duplex;
  /** Bytes that arrived after the upgrade request. */
  head: Buffer;
  /** Whether the credentials that opened the tunnel still hold; absent: never checked (auth off). */
  stillValid?: () => Promise<boolean>;
}

/** One request to relay: the path is the node's own (`/api/generate?x=1`). */
export interface RelayRequest {
  method: string;
  path: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  signal: AbortSignal;
}

interface Tunnel {
  nodeId: string;
  session: ClientHttp2Session;
  stillValid?: () => Promise<boolean>;
}

/** Statuses and methods whose responses carry no body. */
const NO_BODY = new Set([204, 205, 304]);

/** The tunnels of one gateway. */
export class TunnelHub implements AsyncDisposable {
  readonly #o: TunnelHubOptions;
  readonly #log: Logger;
  readonly #tunnels = new Map<string, Tunnel>();
  readonly #recheck: NodeJS.Timeout;
  #checking = false;
  #closed = false;

  constructor(options: TunnelHubOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'tunnel-hub' });
    this.#recheck = setInterval(() => void this.#checkCredentials(), options.recheckMs ?? 5000);
    this.#recheck.unref();
  }

  /** Node ids whose tunnels this gateway holds. */
  get nodeIds(): string[] {
    return [...this.#tunnels.keys()];
  }

  has(nodeId: string): boolean {
    return this.#tunnels.has(nodeId);
  }

  /**
   * Answers `101` with the node's relay ticket and takes the connection as its tunnel; a tunnel the node held
   * before (it reconnected before the old one was found dead) is closed.
   */
  adopt(offer: TunnelOffer): RelayTicket {
    const { nodeId, socket } = offer;
    if (this.#closed) {
      socket.destroy();
      throw new AppError('NODE_UNAVAILABLE', 'the gateway is shutting down');
    }
    const ticket = issueRelayTicket(this.#o.secret, nodeId, relayUrl(this.#o.gatewayUrl(), nodeId));
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n' +
        `Upgrade: ${TUNNEL_PROTOCOL}\r\n${RELAY_URL_HEADER}: ${ticket.url}\r\n` +
        `${RELAY_SIGNATURE_HEADER}: ${ticket.signature}\r\n\r\n`,
    );
    if (offer.head.length > 0) socket.unshift(offer.head);
    if (socket instanceof Socket) {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, this.#o.pingIntervalMs);
    }
    const session = connect('http://corral-node', {
      createConnection: () => h2Transport(socket),
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
    });
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    const tunnel: Tunnel = { nodeId, session, stillValid: offer.stillValid };
    const previous = this.#tunnels.get(nodeId);
    this.#tunnels.set(nodeId, tunnel);
    previous?.session.destroy();
    session.on('error', (err: Error) =>
      this.#log.debug({ err, node: nodeId }, 'cluster tunnel session error'),
    );
    // The HTTP server's sockets allow half-open connections: the node's end (FIN) alone would not close it.
    socket.once('end', () => session.destroy());
    session.once('close', () => {
      if (this.#tunnels.get(nodeId) === tunnel) this.#tunnels.delete(nodeId);
      this.#log.info({ node: nodeId }, 'cluster tunnel closed');
    });
    keepAlive(session, {
      intervalMs: this.#o.pingIntervalMs,
      timeoutMs: this.#o.pingTimeoutMs,
      onDead: (ms) => this.#log.warn({ node: nodeId, ms }, 'cluster tunnel ping unanswered'),
    });
    this.#log.info({ node: nodeId, relay: ticket.url }, 'cluster tunnel accepted');
    return ticket;
  }

  /** Sends `req` to node `nodeId` through its tunnel; `NODE_UNAVAILABLE` when there is none or it broke. */
  async relay(nodeId: string, req: RelayRequest): Promise<Response> {
    const tunnel = this.#tunnels.get(nodeId);
    if (tunnel === undefined || tunnel.session.closed || tunnel.session.destroyed) {
      throw new AppError('NODE_UNAVAILABLE', `this gateway holds no tunnel to cluster node ${nodeId}`);
    }
    const withBody = req.body !== null && req.method !== 'GET' && req.method !== 'HEAD';
    let stream: ClientHttp2Stream;
    try {
      stream = tunnel.session.request(
        { ':method': req.method, ':path': req.path, ...forwardedHeaders(Object.fromEntries(req.headers)) },
        { endStream: !withBody, signal: req.signal },
      );
    } catch (err) {
      throw new AppError('NODE_UNAVAILABLE', `the tunnel to cluster node ${nodeId} is closing`, {
        cause: err,
      });
    }
    if (withBody && req.body !== null) {
      const upload = Readable.fromWeb(req.body);
      upload.once('error', (err) => stream.destroy(err));
      upload.pipe(stream);
    }
    const head = await responseHead(stream, nodeId, req.signal);
    const status = Number(head[':status'] ?? 502);
    const headers = new Headers();
    for (const [name, value] of Object.entries(forwardedHeaders(head))) {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
    }
    if (NO_BODY.has(status) || req.method === 'HEAD') {
      stream.close();
      return new Response(null, { status, headers });
    }
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers });
  }

  /**
   * Closes every tunnel (their nodes reconnect, to another gateway if this one is gone), letting relayed requests
   * finish for up to `graceMs`. Idempotent.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#recheck);
    await Promise.all(
      [...this.#tunnels.values()].map(
        ({ session }) =>
          new Promise<void>((resolve) => {
            if (session.destroyed) return resolve();
            session.once('close', () => resolve());
            session.close();
            setTimeout(() => session.destroy(), graceMs).unref();
          }),
      ),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #checkCredentials(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      for (const tunnel of [...this.#tunnels.values()]) {
        if (tunnel.stillValid === undefined) continue;
        try {
          if (await tunnel.stillValid()) continue;
          this.#log.warn({ node: tunnel.nodeId }, 'cluster tunnel closed: its join token no longer holds');
          tunnel.session.destroy();
        } catch (err) {
          // The database is unreachable: keep the tunnel (its node's heartbeats go through the same check).
          this.#log.warn({ err, node: tunnel.nodeId }, 'cluster tunnel credentials not checked');
        }
      }
    } finally {
      this.#checking = false;
    }
  }
}

/** The response headers of `stream`, or why there are none. */
function responseHead(
  stream: ClientHttp2Stream,
  nodeId: string,
  signal: AbortSignal,
): Promise<IncomingHttpHeaders> {
  return new Promise<IncomingHttpHeaders>((resolve, reject) => {
    const failed = (err?: Error) => {
      if (signal.aborted) reject(new AppError('CANCELLED', 'the request was cancelled', { cause: err }));
      else {
        const why = err?.message ?? 'the stream closed';
        reject(
          new AppError(
            'NODE_UNAVAILABLE',
            `cluster node ${nodeId} did not answer through its tunnel: ${why}`,
            {
              cause: err,
            },
          ),
        );
      }
    };
    stream.once('response', (headers) => resolve(headers));
    stream.once('error', failed);
    stream.once('close', () => failed());
  });
}
