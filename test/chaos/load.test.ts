/**
 * Loopback load against a real `corral serve` process (docs/reliability.md §Load): cheap endpoints and
 * generation with the tiny model under NUM_PARALLEL 2 and a small queue. No error but the deliberate 503
 * QUEUE_FULL; prints p50/p90/p99 latency and requests per second. A small closed-loop client: each of
 * `connections` keep-alive connections sends its next request when the previous answer is complete.
 */
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { percentile, report, scale } from './chaos.js';

let home: string;
let server: ServerProcess;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'corral-chaos-load-'));
  server = await spawnServer({
    CORRAL_HOME: home,
    CORRAL_NUM_PARALLEL: '2',
    CORRAL_MAX_QUEUE: '4',
    CORRAL_THREADS: '1',
  });
  const client = new Client({ baseUrl: server.url });
  await client.create({ model: 'tiny', modelfile: `FROM ${await tinyModelPath()}\n` });
  await client.generate({ model: 'tiny', prompt: 'warm', stream: false, options: { num_predict: 2 } });
}, 120_000);
afterAll(async () => {
  server?.child.kill('SIGTERM');
  if (server) expect((await server.exited).code).toBe(0);
  rmSync(home, { recursive: true, force: true });
});

interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50ms: number;
  p90ms: number;
  p99ms: number;
  statuses: Record<string, number>;
  unexpected: string[];
}

async function load(
  path: string,
  body: (() => string) | undefined,
  connections: number,
  durationMs: number,
  expected: (status: number, text: string) => boolean,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const unexpected: string[] = [];
  const end = Date.now() + durationMs;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = httpRequest(`${server.url}${path}`, {
        method: body ? 'POST' : 'GET',
        agent,
        headers: body ? { 'content-type': 'application/json' } : {},
      });
      req.once('error', (err) => {
        unexpected.push(`${err.name}: ${err.message}`);
        resolve();
      });
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.once('end', () => {
          latencies.push(performance.now() - started);
          const status = res.statusCode ?? 0;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (!expected(status, text)) unexpected.push(`${status}: ${text.slice(0, 120)}`);
          resolve();
        });
      });
      req.end(body?.());
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) await once();
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    reqPerSec: latencies.length / seconds,
    p50ms: percentile(latencies, 50),
    p90ms: percentile(latencies, 90),
    p99ms: percentile(latencies, 99),
    statuses,
    unexpected: unexpected.slice(0, 5),
  };
}

const SECONDS = scale(3, 20) * 1000;

describe('load on the loopback', () => {
  it.each(['/api/version', '/api/tags'])('GET %s: no errors', async (path) => {
    const result = await load(path, undefined, 16, SECONDS, (status) => status === 200);
    report(`load-${path.replace(/\W+/g, '-').replace(/^-/, '')}`, { connections: 16, ...result });
    expect(result.unexpected).toEqual([]);
    expect(result.requests).toBeGreaterThan(100);
  });

  it('generation with NUM_PARALLEL 2, queue 4, 8 connections: only 200 or 503 QUEUE_FULL', async () => {
    let i = 0;
    const result = await load(
      '/api/generate',
      () => JSON.stringify({ model: 'tiny', prompt: `p${i++}`, stream: false, options: { num_predict: 16 } }),
      8,
      SECONDS,
      (status, text) =>
        (status === 200 && (JSON.parse(text) as { done?: boolean }).done === true) ||
        (status === 503 && text.includes('server busy')), // QUEUE_FULL in the Ollama dialect
    );
    report('load-generate', { connections: 8, numParallel: 2, maxQueue: 4, ...result });
    expect(result.unexpected).toEqual([]);
    expect(result.statuses['200'] ?? 0).toBeGreaterThan(10);
  });
});
