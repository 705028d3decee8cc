/**
 * The router against real local HTTP(S) "nodes": retry before the first byte, busy is not down, breaker skips,
 * timeouts and callers that leave.
 */
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTestCa } from '../../../test/helpers/tls-certs.js';
import { silentLogger } from '../../core/index.js';
import { listedNode } from '../../../test/helpers/listed-node.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { NodeDirectory } from './node-directory.js';
import { answerText, NodeRouter, type NodeRouterOptions } from './node-router.js';

/** `silent` reads the request and never answers it. */
type Behaviour = 'ok' | 'busy' | 'fail' | 'bad-request' | 'silent';
const servers: Array<Server | HttpsServer> = [];
const hits: Record<string, number> = {};
/** Requests a `silent` node saw closed by the gateway, by node name. */
const abandoned: Record<string, number> = {};

function answer(name: string, behaviour: Behaviour): RequestListener {
  return (req, res) => {
    hits[name] = (hits[name] ?? 0) + 1;
    if (behaviour === 'silent') {
      req.resume();
      res.once('close', () => (abandoned[name] = (abandoned[name] ?? 0) + 1));
      return;
    }
    const status = { ok: 200, busy: 503, fail: 500, 'bad-request': 400 }[behaviour];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { node: name } : { error: `${name} says ${status}` }));
  };
}

async function listen(server: Server | HttpsServer, scheme: 'http' | 'https'): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const fakeNode = (name: string, behaviour: Behaviour) =>
  listen(createServer(answer(name, behaviour)), 'http');

/** A URL nothing listens at. */
async function deadUrl(): Promise<string> {
  const url = await fakeNode('dead', 'ok');
  const server = servers.pop()!;
  await new Promise<void>((r) => server.close(() => r()));
  return url;
}

const urls: Record<string, string> = {};
beforeAll(async () => {
  urls.dead = await deadUrl();
  for (const [name, b] of [
    ['ok1', 'ok'],
    ['busy1', 'busy'],
    ['busy2', 'busy'],
    ['fail1', 'fail'],
    ['bad1', 'bad-request'],
    ['silent1', 'silent'],
  ] as const) {
    urls[name] = await fakeNode(name, b);
  }
  // A node that serves HTTPS with a certificate from a private CA.
  const ca = makeTestCa();
  caCert = readFileSync(ca.caCert, 'utf8');
  ca.issue('tls1.pem', 'tls1.key', 1);
  const tls = { cert: readFileSync(join(ca.dir, 'tls1.pem')), key: readFileSync(join(ca.dir, 'tls1.key')) };
  urls.tls1 = await listen(createHttpsServer(tls, answer('tls1', 'ok')), 'https');
});
let caCert = '';
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A router over the named nodes, ranked in the given order (names sort: prefix them). */
function router(names: string[], options: Partial<NodeRouterOptions> = {}) {
  const nodes = names.map((n, i) =>
    listedNode(`${i}-${n}`, { storedModels: ['tiny:latest'] }, { url: urls[n]! }),
  );
  const directory = new NodeDirectory({
    cluster: { list: () => Promise.resolve(nodes) },
    staleAfterMs: 1000,
  });
  const breaker = options.breaker ?? new CircuitBreaker();
  return {
    breaker,
    r: new NodeRouter({ directory, log: silentLogger, ...options, breaker }),
    ids: nodes.map((n) => n.id),
  };
}

const send = (r: NodeRouter, model = 'tiny', signal = new AbortController().signal) =>
  r.forward({ path: '/api/generate', body: '{}', model, signal });

describe('NodeRouter', () => {
  it('retries a refused connection and a 5xx on the next node, counting them as failures', async () => {
    const { r, breaker, ids } = router(['dead', 'fail1', 'ok1']);
    const res = await send(r);
    expect(res.status).toBe(200);
    expect(JSON.parse(await answerText(res))).toEqual({ node: 'ok1' });
    expect(res.headers['x-corral-node']).toBe('2-ok1');
    breaker.failed(ids[0]!);
    expect(breaker.state(ids[0]!)).toBe('open'); // second consecutive failure
  });

  it('retries a busy node elsewhere without marking it down', async () => {
    const { r, breaker, ids } = router(['busy1', 'ok1']);
    for (let i = 0; i < 5; i++) expect((await send(r)).status).toBe(200);
    expect(breaker.state(ids[0]!)).toBe('closed');
  });

  it('answers with the last busy answer when every node is busy, and passes 4xx through untried elsewhere', async () => {
    const busy = await send(router(['busy1', 'busy2']).r);
    expect(busy.status).toBe(503);
    expect(JSON.parse(await answerText(busy))).toEqual({ error: 'busy2 says 503' });
    const before = hits.ok1 ?? 0;
    const bad = await send(router(['bad1', 'ok1']).r);
    expect(bad.status).toBe(400);
    expect(hits.ok1 ?? 0).toBe(before);
  });

  it('skips nodes whose circuit is open, tries at most 3 nodes, and 404s a model no node has', async () => {
    const { r, breaker, ids } = router(['fail1', 'ok1']);
    breaker.failed(ids[0]!);
    breaker.failed(ids[0]!);
    const before = hits.fail1 ?? 0;
    expect((await send(r)).status).toBe(200);
    expect(hits.fail1 ?? 0).toBe(before);

    const many = router(['dead', 'dead', 'dead', 'ok1']);
    await expect(send(many.r)).rejects.toMatchObject({ code: 'NODE_UNAVAILABLE' });
    await expect(send(r, 'other')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('looks again before a 404: a model that appeared on a node since the cached listing is routed at once', async () => {
    const node = listedNode('0-ok1', { storedModels: ['tiny:latest'] }, { url: urls.ok1! });
    let queries = 0;
    const directory = new NodeDirectory({
      cluster: {
        list: () => {
          queries++;
          return Promise.resolve([{ ...node, report: { ...node.report, storedModels: [...stored] } }]);
        },
      },
      staleAfterMs: 1000,
      ttlMs: 60_000,
    });
    const stored = ['tiny:latest'];
    const r = new NodeRouter({ directory, breaker: new CircuitBreaker(), log: silentLogger });
    expect((await send(r)).status).toBe(200);
    expect(queries).toBe(1);
    stored.push('fresh:latest'); // pulled on the node after the gateway cached its listing
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await send(r, 'fresh')).status).toBe(200);
    expect(queries).toBe(2);
    // Unknown models cannot turn every request into a query: concurrent misses share one.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const misses = await Promise.allSettled(Array.from({ length: 5 }, () => send(r, 'nope')));
    expect(misses.every((m) => m.status === 'rejected')).toBe(true);
    expect(queries).toBe(3);
  });

  it('reaches nodes that serve HTTPS', async () => {
    const { r, breaker, ids } = router(['tls1'], { ca: caCert });
    const res = await send(r);
    expect(res.status).toBe(200);
    expect(JSON.parse(await answerText(res))).toEqual({ node: 'tls1' });
    expect(breaker.state(ids[0]!)).toBe('closed');
    r.close();
  });

  it('tries the next node when one sends no headers in time, and counts that as a failure', async () => {
    const { r, breaker, ids } = router(['silent1', 'ok1'], { headersTimeoutMs: 200 });
    const before = abandoned.silent1 ?? 0;
    const res = await send(r);
    expect(JSON.parse(await answerText(res))).toEqual({ node: 'ok1' });
    await vi.waitFor(() => expect(abandoned.silent1 ?? 0).toBe(before + 1));
    breaker.failed(ids[0]!);
    expect(breaker.state(ids[0]!)).toBe('open'); // the timeout was the first failure
  });

  it('abandons the node request when the caller goes away before the headers, without blaming the node', async () => {
    const { r, breaker, ids } = router(['silent1', 'ok1']);
    const before = { abandoned: abandoned.silent1 ?? 0, ok: hits.ok1 ?? 0 };
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 100);
    await expect(send(r, 'tiny', caller.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    await vi.waitFor(() => expect(abandoned.silent1 ?? 0).toBe(before.abandoned + 1));
    expect(hits.ok1 ?? 0).toBe(before.ok); // not retried elsewhere
    expect(r.inFlight(ids[0]!)).toBe(0);
    breaker.failed(ids[0]!);
    expect(breaker.state(ids[0]!)).toBe('closed'); // one failure, not two
  });

  it('with pull on demand, pulls a missing model once for concurrent requests, then routes to that node', async () => {
    const { r } = router(['ok1'], { pullOnDemand: true });
    const before = hits.ok1 ?? 0;
    const answers = await Promise.all([send(r, 'other'), send(r, 'other')]);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.headers['x-corral-node']).toBe('0-ok1');
    }
    expect((hits.ok1 ?? 0) - before).toBe(3); // one pull, two requests

    const refused = router(['bad1'], { pullOnDemand: true });
    await expect(send(refused.r, 'other')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'pulling "other" on demand failed: bad1 says 400',
    });
    await expect(send(router(['ok1']).r, 'other')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
