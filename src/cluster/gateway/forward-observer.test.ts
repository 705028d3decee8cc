/** The router tells its observer how each attempt ended: one report per attempt, final when made. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/index.js';
import { listedNode } from '../../../test/helpers/listed-node.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { AttemptOutcome } from './forward-observer.js';
import { NodeDirectory } from './node-directory.js';
import { answerText, NodeRouter } from './node-router.js';

const servers: Server[] = [];
const urls: Record<string, string> = {};

async function listen(status: number): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  urls.dead = await listen(200); // closed at once: nothing listens at its port
  const dead = servers.pop()!;
  await new Promise<void>((r) => dead.close(() => r()));
  for (const [name, status] of [
    ['ok', 200],
    ['busy', 503],
    ['broken', 500],
    ['bad', 400],
  ] as const)
    urls[name] = await listen(status);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** Forwards one request over the named nodes (tried in this order) and returns the reports. */
async function reports(names: string[]): Promise<Array<[string, AttemptOutcome, boolean]>> {
  const seen: Array<[string, AttemptOutcome, boolean]> = [];
  const nodes = names.map((n, i) =>
    listedNode(`${i}-${n}`, { storedModels: ['tiny:latest'] }, { url: urls[n]! }),
  );
  const router = new NodeRouter({
    directory: new NodeDirectory({ cluster: { list: () => Promise.resolve(nodes) }, staleAfterMs: 1000 }),
    breaker: new CircuitBreaker(),
    log: silentLogger,
    observer: { attempt: (n, outcome, seconds) => seen.push([n, outcome, seconds !== undefined]) },
  });
  try {
    const res = await router.forward({
      path: '/api/generate',
      body: '{}',
      model: 'tiny',
      signal: new AbortController().signal,
    });
    await answerText(res);
  } catch {
    // NODE_UNAVAILABLE when every node failed: the reports are what this test reads.
  }
  return seen;
}

describe('NodeRouter observer', () => {
  it.each([
    { nodes: ['ok'], expected: [['0-ok', 'ok', true]] },
    { nodes: ['bad', 'ok'], expected: [['0-bad', 'refused', true]] },
    {
      nodes: ['dead', 'broken', 'ok'],
      expected: [
        ['0-dead', 'retried', false],
        ['1-broken', 'retried', true],
        ['2-ok', 'ok', true],
      ],
    },
    {
      nodes: ['busy', 'busy'],
      expected: [
        ['0-busy', 'retried', true],
        ['1-busy', 'refused', true],
      ],
    },
    {
      nodes: ['busy', 'dead'],
      expected: [
        ['0-busy', 'retried', true],
        ['1-dead', 'failed', false],
      ],
    },
    { nodes: ['broken'], expected: [['0-broken', 'failed', true]] },
  ])('$nodes → $expected', async ({ nodes, expected }) => {
    expect(await reports(nodes)).toEqual(expected);
  });
});
