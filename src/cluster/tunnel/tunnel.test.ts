/**
 * The reverse tunnel over real loopback sockets: a node-side HTTP listener, a gateway (the real upgrade listener,
 * tunnel and relay routes behind a stand-in for the auth middleware), and the node's tunnel client between them —
 * optionally through a TCP proxy that can freeze its connections without closing them (a dead peer).
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../auth/index.js';
import { AppError, type Logger, silentLogger } from '../../core/index.js';
import { errorBody } from '../../http/index.js';
import { relayRoutes } from '../gateway/relay-routes.js';
import { acceptTunnelUpgrades } from '../gateway/tunnel-upgrade.js';
import { CLUSTER_SECRET_HEADER, relayTicketValid } from '../relay-auth.js';
import { TunnelClient } from './tunnel-client.js';
import { TunnelHub } from './tunnel-hub.js';

const SECRET = 'test-cluster-secret';
const GOOD = 'good-token';
const NODE = '0b7c1f5e-0000-4000-8000-000000000001';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const urlOf = (server: Server | ServerType | TcpServer) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function listening<S extends Server | TcpServer>(server: S): Promise<S> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function closeServer(server: Server | TcpServer): Promise<void> {
  (server as Server).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The node's own listener: echoes, streams until told to stop, and records requests that were cut. */
async function nodeListener() {
  const cut: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://node');
    if (url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-node-header', 'yes');
        res.end(
          JSON.stringify({
            method: req.method,
            path: req.url,
            body: Buffer.concat(chunks).toString(),
            header: req.headers['x-client'] ?? null,
            secret: req.headers[CLUSTER_SECRET_HEADER] ?? null,
          }),
        );
      });
    } else if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let n = 0;
      const timer = setInterval(() => res.write(`${JSON.stringify({ n: n++ })}\n`), 20);
      res.on('close', () => {
        clearInterval(timer);
        if (!res.writableFinished) cut.push(url.pathname);
      });
    } else if (url.pathname === '/empty') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such path"}');
    }
  });
  await listening(server);
  closers.push(() => closeServer(server));
  return { url: urlOf(server), cut };
}

/** A gateway: tokens other than GOOD, or any once `valid()` says no, are refused as the auth middleware would. */
async function gateway(
  o: { valid?: () => boolean; recheckMs?: number; pingMs?: number; port?: number } = {},
) {
  const accepts = (header: string | undefined) => header === `Bearer ${GOOD}` && (o.valid?.() ?? true);
  let base = '';
  const hub = new TunnelHub({
    secret: SECRET,
    gatewayUrl: () => base,
    log: silentLogger,
    pingIntervalMs: o.pingMs ?? 1000,
    pingTimeoutMs: 2 * (o.pingMs ?? 1000),
    recheckMs: o.recheckMs,
  });
  const app = new Hono();
  app.onError((err, c) => {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', String(err));
    return c.json(errorBody(e, 'ollama'), e.status as 500);
  });
  app.use('/api/cluster/tunnel', async (c, next) => {
    if (!accepts(c.req.header('authorization'))) throw new AppError('UNAUTHORIZED', 'unknown API key');
    await next();
  });
  app.route(
    '/',
    relayRoutes({
      hub,
      // Claims are tested against a database in test/cluster (node-claims, join): every node id is free here.
      claims: { check: () => Promise.resolve() },
      secret: SECRET,
      authEnabled: o.valid !== undefined,
      authenticator: {
        authenticate: ({ bearer }) => {
          if (!accepts(`Bearer ${bearer}`)) throw new AppError('UNAUTHORIZED', 'revoked');
          return Promise.resolve({ ...ANONYMOUS, role: 'node' });
        },
      },
      audit: { record: () => Promise.resolve(undefined) },
    }),
  );
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: o.port ?? 0 }, () => resolve(s));
  });
  base = urlOf(server);
  acceptTunnelUpgrades(server, app.fetch, silentLogger);
  closers.push(async () => {
    await hub.close(100);
    await closeServer(server);
  });
  return { url: base, hub };
}

function client(joinUrl: string, target: string, o: { token?: string; pingMs?: number; log?: Logger } = {}) {
  const tunnel = new TunnelClient({
    joinUrl,
    token: o.token ?? GOOD,
    nodeId: NODE,
    target,
    log: o.log ?? silentLogger,
    pingIntervalMs: o.pingMs ?? 1000,
    pingTimeoutMs: 2 * (o.pingMs ?? 1000),
    minBackoffMs: 20,
    maxBackoffMs: 200,
  });
  closers.push(() => tunnel.close());
  return tunnel;
}

/**
 * A TCP proxy standing in for a load balancer: its open connections can be frozen (nothing passes, nothing
 * closes: a dead peer) or cut, and new connections can be sent to another gateway.
 */
async function proxyTo(first: string) {
  let target = first;
  const pairs: Array<[Socket, Socket]> = [];
  const all: Socket[] = [];
  const server = createTcpServer((inbound) => {
    const outbound = connect(Number(new URL(target).port), '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    pairs.push([inbound, outbound]);
    all.push(inbound, outbound);
  });
  await listening(server);
  closers.push(() => {
    for (const s of all) s.destroy();
    return closeServer(server);
  });
  return {
    url: urlOf(server),
    retarget(url: string) {
      target = url;
    },
    cut() {
      for (const [a, b] of pairs.splice(0)) {
        a.destroy();
        b.destroy();
      }
    },
    freeze() {
      for (const [a, b] of pairs.splice(0)) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
  };
}

async function until(what: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const relay = (gw: string, path: string, init: RequestInit = {}) =>
  fetch(`${gw}/api/cluster/relay/${NODE}${path}`, {
    ...init,
    headers: { [CLUSTER_SECRET_HEADER]: SECRET, ...(init.headers as Record<string, string>) },
  });

describe('reverse tunnel', () => {
  it('relays a request with its body, headers and query to the node, and hands out a valid relay ticket', async () => {
    const node = await nodeListener();
    const gw = await gateway();
    const tunnel = client(gw.url, node.url);
    await tunnel.start();
    expect(tunnel.connected).toBe(true);
    expect(tunnel.ticket?.url).toBe(`${gw.url}/api/cluster/relay/${NODE}`);
    expect(relayTicketValid(SECRET, NODE, tunnel.ticket!)).toBe(true);
    expect(relayTicketValid(SECRET, 'another-node', tunnel.ticket!)).toBe(false);
    await until(() => gw.hub.has(NODE));

    const res = await relay(gw.url, '/echo?x=1', {
      method: 'POST',
      body: 'hello through the tunnel',
      headers: { 'x-client': 'abc' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-node-header')).toBe('yes');
    expect(await res.json()).toEqual({
      method: 'POST',
      path: '/echo?x=1',
      body: 'hello through the tunnel',
      header: 'abc',
      secret: null, // the relay's own credential does not travel on to the node
    });
    expect((await relay(gw.url, '/empty')).status).toBe(204);
    expect((await relay(gw.url, '/nowhere')).status).toBe(404);
  });

  it('relays bodies larger than the flow-control windows, both ways', async () => {
    const node = await nodeListener();
    const gw = await gateway();
    await client(gw.url, node.url).start();
    const big = 'x'.repeat(24 * 1024 * 1024);
    const res = await relay(gw.url, '/echo', { method: 'POST', body: big });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { body: string }).body.length).toBe(big.length);
  });

  it('streams as the node writes, and a caller that goes away cancels the node request', async () => {
    const node = await nodeListener();
    const gw = await gateway();
    await client(gw.url, node.url).start();
    const abort = new AbortController();
    const res = await relay(gw.url, '/stream', { signal: abort.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value as Uint8Array).toString()).toMatch(/^\{"n":0\}/);
    abort.abort();
    await until(() => node.cut.includes('/stream'));
  });

  it('refuses relay calls without the cluster secret, and answers 503 for a node it holds no tunnel to', async () => {
    const gw = await gateway();
    const bare = await fetch(`${gw.url}/api/cluster/relay/${NODE}/echo`, { method: 'POST', body: 'x' });
    expect(bare.status).toBe(401);
    const wrong = await fetch(`${gw.url}/api/cluster/relay/${NODE}/echo`, {
      headers: { [CLUSTER_SECRET_HEADER]: 'guess' },
    });
    expect(wrong.status).toBe(401);
    const none = await relay(gw.url, '/echo');
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: string }).error).toMatch(/no tunnel/);
    // A plain GET of the tunnel route (no upgrade) is a request error, not a hang.
    const plain = await fetch(`${gw.url}/api/cluster/tunnel`, {
      headers: { authorization: `Bearer ${GOOD}` },
    });
    expect(plain.status).toBe(400);
  });

  it('rejects start() with the gateway message when the token is refused', async () => {
    const node = await nodeListener();
    const gw = await gateway();
    const tunnel = client(gw.url, node.url, { token: 'wrong' });
    await expect(tunnel.start()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: /401.*unknown API key/,
    });
    expect(gw.hub.has(NODE)).toBe(false);
  });

  it('keeps retrying an unreachable gateway, logging once, and connects when it appears', async () => {
    const node = await nodeListener();
    const spare = await listening(createTcpServer());
    const port = (spare.address() as AddressInfo).port;
    await closeServer(spare); // a port with nothing behind it, for now
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o, msg) => warnings.push(msg), child: () => log };
    const tunnel = client(`http://127.0.0.1:${port}`, node.url, { log });
    await tunnel.start(); // resolves: unreachable is retried, not fatal
    expect(tunnel.connected).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(warnings.filter((w) => w === 'cluster tunnel failed, retrying')).toHaveLength(1);
    const gw = await gateway({ port });
    await until(() => tunnel.connected && gw.hub.has(NODE));
  });

  it('reconnects when the tunnel drops, possibly to another gateway, which becomes the relay', async () => {
    const node = await nodeListener();
    const [gw1, gw2] = [await gateway(), await gateway()];
    const balancer = await proxyTo(gw1.url);
    const tunnel = client(balancer.url, node.url);
    await tunnel.start();
    expect(tunnel.ticket?.url).toBe(`${gw1.url}/api/cluster/relay/${NODE}`);
    balancer.retarget(gw2.url);
    balancer.cut();
    await until(() => tunnel.ticket?.url === `${gw2.url}/api/cluster/relay/${NODE}`);
    await until(() => !gw1.hub.has(NODE) && gw2.hub.has(NODE));
    expect((await relay(gw2.url, '/echo', { method: 'POST', body: 'x' })).status).toBe(200);
    expect((await relay(gw1.url, '/echo', { method: 'POST', body: 'x' })).status).toBe(503);
  });

  it('notices a frozen connection by its unanswered pings and reconnects', async () => {
    const node = await nodeListener();
    const gw = await gateway({ pingMs: 100 });
    const proxy = await proxyTo(gw.url);
    const tunnel = client(proxy.url, node.url, { pingMs: 100 });
    await tunnel.start();
    const before = tunnel.ticket;
    expect(before).toBeDefined();
    const frozenAt = Date.now();
    proxy.freeze();
    await until(() => !tunnel.connected, 3000);
    expect(Date.now() - frozenAt).toBeLessThan(1500);
    await until(() => tunnel.connected, 3000); // a new connection through the proxy passes again
    await until(() => gw.hub.has(NODE));
    expect((await relay(gw.url, '/echo', { method: 'POST', body: 'after' })).status).toBe(200);
  });

  it('closes a tunnel whose credentials stop holding, and the node cannot open another', async () => {
    const node = await nodeListener();
    let valid = true;
    const gw = await gateway({ valid: () => valid, recheckMs: 50 });
    const tunnel = client(gw.url, node.url);
    await tunnel.start();
    await until(() => gw.hub.has(NODE));
    valid = false;
    await until(() => !gw.hub.has(NODE));
    await until(() => !tunnel.connected);
    await new Promise((r) => setTimeout(r, 300)); // several refused reconnects
    expect(tunnel.connected).toBe(false);
    expect(gw.hub.has(NODE)).toBe(false);
  });
});
