/**
 * The upgrade half of `GET /api/cluster/tunnel`. Node's HTTP server hands upgrade requests to an `'upgrade'`
 * listener with the raw socket instead of to the app; this listener runs the app for them anyway, with the socket
 * in the request's environment, so the same middleware as every route authenticates, authorizes (`cluster:join`),
 * rate-limits and audits it. The tunnel route takes the socket over (`relay-routes.ts`); when it does not — no
 * credentials, a wrong role, a bad node id — its error answer is written to the socket as a plain HTTP/1.1
 * response and the connection closed.
 */
import type { ServerType } from '@hono/node-server';
import type { Context } from 'hono';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/index.js';
import { TUNNEL_PATH, TUNNEL_PROTOCOL } from '../tunnel/index.js';

/** A connection waiting in an upgrade request's environment for the tunnel route to take it. */
export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  /** Set by the route that takes the socket over. */
  adopted: boolean;
}

const PENDING = Symbol('corral.pendingUpgrade');

/** The connection behind `c` when it is an upgrade request; undefined for ordinary requests. */
export function pendingUpgrade(c: Context): PendingUpgrade | undefined {
  return (c.env as { [PENDING]?: PendingUpgrade } | undefined)?.[PENDING];
}

type Fetch = (request: Request, env: object) => Response | Promise<Response>;

/** Routes `server`'s upgrade requests for the tunnel through `fetch` (the gateway's app); refuses the others. */
export function acceptTunnelUpgrades(server: ServerType, fetch: Fetch, log: Logger): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade connection failed'));
    handle(req, socket, head, fetch).catch((err: unknown) => {
      log.warn({ err, path: req.url }, 'tunnel upgrade failed');
      socket.destroy();
    });
  });
}

async function handle(req: IncomingMessage, socket: Duplex, head: Buffer, fetch: Fetch): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
  if (req.headers.upgrade?.toLowerCase() !== TUNNEL_PROTOCOL || url.pathname !== TUNNEL_PATH) {
    const message = `no upgrade to "${req.headers.upgrade ?? ''}" at ${url.pathname}`;
    return refuse(socket, 404, 'application/json', JSON.stringify({ error: message }));
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, v);
  }
  const pending: PendingUpgrade = { socket, head, adopted: false };
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${url.pathname}${url.search}`, {
    method: req.method,
    headers,
  });
  const res = await fetch(request, { incoming: req, outgoing: undefined, [PENDING]: pending });
  if (pending.adopted) return;
  refuse(socket, res.status, res.headers.get('content-type') ?? 'text/plain', await res.text());
}

function refuse(socket: Duplex, status: number, type: string, body: string): void {
  if (socket.destroyed) return;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
