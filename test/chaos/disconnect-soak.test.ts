/**
 * Clients that go away, and many mixed requests, against a real in-process server (docs/reliability.md):
 * - a disconnect at every stage of a streamed response (while the body is still being sent, before the
 *   headers, after the first chunk, mid-stream; NDJSON and SSE) frees the runner slot: the queue empties, the
 *   same runner serves the next request, nothing is rejected unhandled;
 * - a soak of mixed requests with random aborts leaves file descriptors, runner processes and RSS near their
 *   baseline, and every error seen is an expected one.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { openFds, percentile, report, rssMiB, runnerPids, scale, until, within } from './chaos.js';
import { lastLine, openStream } from './streams.js';

let s: TestServer;
let client: Client;
let url: string;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // One slot: a slot that leaked would block every later request of the model.
  s = await startTestServer({ CORRAL_NUM_PARALLEL: '1', CORRAL_MAX_QUEUE: '16', CORRAL_THREADS: '1' });
  url = s.server.url;
  client = new Client({ baseUrl: url });
  await client.create({ model: 'tiny', modelfile: `FROM ${await tinyModelPath({ eos: 'never' })}\n` });
  await client.generate({ model: 'tiny', prompt: 'warm', stream: false, options: { num_predict: 2 } });
}, 120_000);
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await s?.close();
});

const queueEmpty = async () => (await client.queue()).requests.length === 0;

/** After a disconnect: the queue drains, the same runner answers a normal request promptly. */
async function assertHealthy(runner: number, what: string): Promise<void> {
  await until(queueEmpty, 5_000, `the queue to drain after ${what}`);
  const res = await within(
    client.generate({ model: 'tiny', prompt: 'ok', stream: false, options: { num_predict: 3 } }),
    10_000,
    `a request after ${what}`,
  );
  expect(res.done).toBe(true);
  expect(runnerPids(), what).toEqual([runner]);
  expect((await client.ps()).models.map((m) => m.name)).toEqual(['tiny:latest']);
}

const LONG = { model: 'tiny', prompt: 'go', options: { num_predict: 100_000 } };

describe('client disconnects at every stage of a stream', () => {
  it('frees the slot and keeps the server and its runner healthy', async () => {
    const [runner] = runnerPids();
    expect(runner).toBeDefined();

    // While the request body is still being sent.
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
        agent: false,
      });
      req.once('error', () => resolve());
      req.write('{"model":"tiny","prompt":"');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await assertHealthy(runner!, 'a half-sent body');
    // A client that leaves is not a server failure: no 5xx counted (nor "request failed" logged at error).
    expect(await serverErrors()).toEqual([]);

    // Before the headers: the request waits behind a running one, and its client leaves while it queues.
    const blocker = await openStream(url, '/api/generate', LONG);
    await blocker.first;
    const queued = httpRequest(`${url}/api/generate`, { method: 'POST', agent: false });
    queued.once('error', () => undefined);
    queued.end(JSON.stringify(LONG));
    await until(
      async () => (await client.queue()).requests.length === 2,
      5_000,
      'the second request to queue',
    );
    queued.destroy();
    await until(
      async () => (await client.queue()).requests.length === 1,
      5_000,
      'the queued request to leave',
    );
    blocker.req.destroy();
    await assertHealthy(runner!, 'leaving while queued (before headers)');

    // After the first chunk, and mid-stream, in both stream formats.
    const chat = {
      model: 'tiny',
      messages: [{ role: 'user', content: 'go' }],
      max_tokens: 100_000,
      stream: true,
    };
    for (const [path, body] of [
      ['/api/generate', LONG],
      ['/v1/chat/completions', chat],
    ] as const) {
      const first = await openStream(url, path, body);
      await first.first;
      first.req.destroy();
      await assertHealthy(runner!, `${path} after the first chunk`);

      const mid = await openStream(url, path, body);
      await mid.first;
      await new Promise((r) => setTimeout(r, 300));
      mid.res.destroy();
      await assertHealthy(runner!, `${path} mid-stream`);
    }
    expect(await serverErrors()).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

/** Lines of `corral_http_requests_total` with a 5xx status. */
async function serverErrors(): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('corral_http_requests_total') && /status="5/.test(l));
}

describe('soak: mixed requests with random aborts', () => {
  it('returns to its baseline of fds, runners and memory; every error was expected', async () => {
    const total = scale(300, 3000);
    const concurrency = 6;
    // Baseline after a warm-up round of every kind of request, so lazily created pools count as baseline.
    const [runner] = runnerPids();
    const fds0 = openFds();
    const rss0 = rssMiB();
    const errors: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const latencies: number[] = [];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const count = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

    const one = async (i: number) => {
      const pick = rand();
      const started = Date.now();
      const abort = new AbortController();
      const abortAfter = rand() < 0.25 ? Math.floor(rand() * 150) : undefined;
      const timer = abortAfter === undefined ? undefined : setTimeout(() => abort.abort(), abortAfter);
      try {
        let res: Response;
        if (pick < 0.3) res = await fetch(`${url}/api/version`, { signal: abort.signal });
        else if (pick < 0.45) res = await fetch(`${url}/api/tags`, { signal: abort.signal });
        else if (pick < 0.55) res = await fetch(`${url}/api/ps`, { signal: abort.signal });
        else if (pick < 0.6)
          res = await fetch(`${url}/api/show`, {
            method: 'POST',
            body: '{"model":"nope"}',
            signal: abort.signal,
          });
        else
          res = await fetch(`${url}/api/generate`, {
            method: 'POST',
            body: JSON.stringify({
              model: 'tiny',
              prompt: `p${i}`,
              options: { num_predict: 1 + Math.floor(rand() * 30) },
            }),
            signal: abort.signal,
          });
        const text = await res.text();
        if (res.status === 404 && pick >= 0.55 && pick < 0.6) count(outcomes, 'show-404');
        else if (res.status !== 200) count(errors, `status ${res.status}: ${text.slice(0, 80)}`);
        else if (pick >= 0.6 && lastLine(text).done !== true)
          count(errors, `stream ended without done: ${text.slice(-80)}`);
        else count(outcomes, 'ok');
        latencies.push(Date.now() - started);
      } catch (err) {
        if (abort.signal.aborted && (err as Error).name === 'AbortError') count(outcomes, 'aborted');
        else count(errors, `${(err as Error).name}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    };

    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await one(next++);
      }),
    );
    const ms = Date.now() - started;
    await until(queueEmpty, 10_000, 'the queue to drain after the soak');
    // Sockets the aborted fetches left close asynchronously; give them a moment.
    await until(() => openFds() <= fds0 + 5, 5_000, `fds back near ${fds0} (now ${openFds()})`).catch(
      () => undefined,
    );
    const fds1 = openFds();
    const rss1 = rssMiB();
    report('soak', {
      requests: total,
      concurrency,
      ms,
      reqPerSec: total / (ms / 1000),
      p50ms: percentile(latencies, 50),
      p99ms: percentile(latencies, 99),
      outcomes,
      fdsBefore: fds0,
      fdsAfter: fds1,
      rssBeforeMiB: rss0,
      rssAfterMiB: rss1,
      runners: runnerPids().length,
    });
    expect(errors).toEqual({});
    expect(outcomes.aborted ?? 0).toBeGreaterThan(0);
    // Tolerances: a few descriptors for keep-alive sockets and pools; memory may grow by V8 heap warm-up only.
    expect(fds1).toBeLessThanOrEqual(fds0 + 5);
    expect(rss1).toBeLessThan(rss0 + scale(96, 160));
    expect(runnerPids()).toEqual([runner]);
    expect(await serverErrors()).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 300_000);
});
