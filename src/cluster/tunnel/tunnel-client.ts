/**
 * The node's side of the reverse tunnel (`corral serve --join`): dials the gateway, upgrades the connection (see
 * `tunnel-protocol.ts`), serves the gateway's HTTP/2 requests from the node's own listener, pings, and dials again
 * with capped exponential backoff whenever the tunnel drops — possibly reaching another gateway behind the same
 * load balancer, which then hands out its own relay ticket. A refused token (401/403) at the first attempt rejects
 * `start()`, so `corral serve` exits with the gateway's message; later, it is retried like any failure (an operator
 * may be fixing the gateway) and logged once, as every outage is.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { AppError, type Logger } from '../../core/index.js';
import type { RelayTicket } from '../relay-auth.js';
import { keepAlive } from './keep-alive.js';
import { LocalForwarder } from './local-forwarder.js';
import {
  h2Transport,
  NODE_ID_HEADER,
  RELAY_SIGNATURE_HEADER,
  RELAY_URL_HEADER,
  SESSION_WINDOW,
  STREAM_WINDOW,
  TUNNEL_PATH,
  TUNNEL_PROTOCOL,
} from './tunnel-protocol.js';

/** Options of {@link TunnelClient}. */
export interface TunnelClientOptions {
  /** The gateway (or the load balancer in front of the gateways). */
  joinUrl: string;
  token: string;
  nodeId: string;
  /** The node's own listener, where relayed requests go (`http://127.0.0.1:11434`). */
  target: string;
  log: Logger;
  /** PING period; a PING unanswered for `pingTimeoutMs` drops the tunnel. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** First reconnect delay, doubled per failed attempt up to `maxBackoffMs` (defaults 250 ms and 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long one attempt may take to get its answer (default 10 s). */
  connectTimeoutMs?: number;
  /** Called each time the tunnel opens (the node heartbeats at once, so it is ready again without delay). */
  onOpen?: () => void;
}

type Attempt = { ok: true } | { ok: false; error: AppError; fatal: boolean };

/** A tunnel open this long counts as a success: the next drop starts the backoff afresh. */
const STABLE_MS = 10_000;

/** Keeps one tunnel to the cluster open until {@link TunnelClient.close}. */
export class TunnelClient implements AsyncDisposable {
  readonly #o: TunnelClientOptions;
  readonly #log: Logger;
  readonly #forwarder: LocalForwarder;
  readonly #h2: Http2Server;
  #session: ServerHttp2Session | undefined;
  #ticket: RelayTicket | undefined;
  #pending: ClientRequest | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Dials in a row that failed, or opened tunnels that dropped soon after: the backoff's exponent. */
  #attempts = 0;
  /** Whether the current outage was logged (once per outage). */
  #outage = false;
  #openedAt = 0;
  #closed = false;

  constructor(options: TunnelClientOptions) {
    this.#o = options;
    this.#log = options.log.child({ component: 'tunnel' });
    this.#forwarder = new LocalForwarder(options.target, this.#log);
    this.#h2 = createServer({ settings: { enablePush: false, initialWindowSize: STREAM_WINDOW } });
    this.#h2.on('stream', (stream, headers) => this.#forwarder.forward(stream, headers));
  }

  /** Whether the tunnel is open now. */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /** The relay ticket of the open tunnel; undefined while there is none. */
  get ticket(): RelayTicket | undefined {
    return this.#session === undefined ? undefined : this.#ticket;
  }

  /**
   * Opens the tunnel. Resolves once it is open, or once the first attempt failed for a reason worth retrying (it
   * goes on retrying in the background); rejects when the gateway refuses the token.
   */
  async start(): Promise<void> {
    const first = await this.#attempt();
    if (!first.ok && first.fatal) {
      await this.close();
      throw first.error;
    }
    if (!first.ok) this.#failed(first.error);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#pending?.destroy();
    const session = this.#session;
    if (session === undefined || session.destroyed) {
      this.#forwarder.close();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      session.once('close', () => {
        this.#forwarder.close();
        resolve();
      });
      session.close(); // streams in flight finish; the node drained its requests before this
      setTimeout(() => session.destroy(), 1000).unref();
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** One dial: resolves with the outcome, never rejects. */
  #attempt(): Promise<Attempt> {
    const url = new URL(TUNNEL_PATH, `${this.#o.joinUrl.replace(/\/+$/, '')}/`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Attempt>((resolve) => {
      const req = send(url, {
        method: 'GET',
        timeout: this.#o.connectTimeoutMs ?? 10_000,
        headers: {
          connection: 'Upgrade',
          upgrade: TUNNEL_PROTOCOL,
          authorization: `Bearer ${this.#o.token}`,
          [NODE_ID_HEADER]: this.#o.nodeId,
        },
      });
      this.#pending = req;
      const fail = (error: AppError, fatal = false) => resolve({ ok: false, error, fatal });
      req.once('timeout', () => req.destroy(new Error('no answer in time')));
      req.once('error', (err) => {
        fail(
          new AppError(
            'SERVER_UNREACHABLE',
            `cannot reach the gateway at ${this.#o.joinUrl}: ${err.message}`,
            {
              cause: err,
            },
          ),
        );
      });
      req.once('response', (res) => void refusal(res).then((r) => fail(r.error, r.fatal)));
      req.once('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#pending = undefined;
        const ticket = { url: res.headers[RELAY_URL_HEADER], signature: res.headers[RELAY_SIGNATURE_HEADER] };
        if (typeof ticket.url !== 'string' || typeof ticket.signature !== 'string' || this.#closed) {
          socket.destroy();
          return fail(new AppError('SERVER_UNREACHABLE', 'the gateway upgraded without a relay ticket'));
        }
        this.#open(socket, head, { url: ticket.url, signature: ticket.signature });
        resolve({ ok: true });
      });
      req.end();
    });
  }

  #open(socket: Socket, head: Buffer, ticket: RelayTicket): void {
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.#o.pingIntervalMs);
    if (head.length > 0) socket.unshift(head);
    this.#h2.once('session', (session: ServerHttp2Session) => {
      session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
      socket.once('end', () => session.destroy()); // the gateway's end: nothing more will come
      this.#session = session;
      this.#ticket = ticket;
      keepAlive(session, {
        intervalMs: this.#o.pingIntervalMs,
        timeoutMs: this.#o.pingTimeoutMs,
        onDead: (ms) => this.#log.warn({ ms }, 'cluster tunnel ping unanswered'),
      });
      session.on('error', (err: Error) => this.#log.debug({ err }, 'cluster tunnel session error'));
      session.once('close', () => this.#dropped(session));
    });
    this.#h2.emit('connection', h2Transport(socket));
    this.#outage = false;
    this.#openedAt = Date.now();
    this.#log.info({ gateway: this.#o.joinUrl, relay: ticket.url }, 'cluster tunnel open');
    this.#o.onOpen?.();
  }

  #dropped(session: ServerHttp2Session): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    if (this.#closed) return;
    this.#log.warn({ gateway: this.#o.joinUrl }, 'cluster tunnel closed, reconnecting');
    // A tunnel that keeps dropping right after it opens backs off like one that cannot open at all.
    this.#attempts = Date.now() - this.#openedAt < STABLE_MS ? this.#attempts + 1 : 0;
    this.#schedule();
  }

  #failed(error: AppError): void {
    if (!this.#outage) {
      const level = error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN' ? 'error' : 'warn';
      this.#log[level]({ err: error }, 'cluster tunnel failed, retrying');
    }
    this.#outage = true;
    this.#attempts++;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    const min = this.#o.minBackoffMs ?? 250;
    const max = this.#o.maxBackoffMs ?? 30_000;
    const base = Math.min(max, min * 2 ** Math.min(this.#attempts, 20));
    const delay = base * (0.8 + Math.random() * 0.4); // jitter: nodes cut off together do not return in step
    this.#timer = setTimeout(() => {
      void this.#attempt().then((outcome) => {
        if (!outcome.ok && !this.#closed) this.#failed(outcome.error);
      });
    }, delay);
    this.#timer.unref();
  }
}

/** The gateway's refusal of an upgrade as an error; 401 and 403 are fatal (a bad or revoked token). */
async function refusal(res: IncomingMessage): Promise<{ error: AppError; fatal: boolean }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    // A cut body still leaves the status to go by.
    chunks.push(Buffer.from(`(body unreadable: ${(err as Error).message})`));
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let message = text.trim().slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON (a load balancer's page): the text itself is the best message there is.
  }
  const status = res.statusCode ?? 0;
  const what = `the gateway refused the tunnel (${status}): ${message}`;
  if (status === 401) return { error: new AppError('UNAUTHORIZED', what), fatal: true };
  if (status === 403) return { error: new AppError('FORBIDDEN', what), fatal: true };
  return { error: new AppError('SERVER_UNREACHABLE', what), fatal: false };
}
