/**
 * Background pulls for the console: `POST /api/pulls` runs on after its client is gone and ends as `success` in
 * `GET /api/pulls`; failures are listed with their error; `GET /api/pulls/events` streams a snapshot, throttled
 * progress with speed and ETA, then `done`, and leaves no subscriber or timer behind when the client goes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PullEntry, PullProgressEvent, PullsResponse } from '../../src/api/index.js';
import { silentLogger } from '../../src/core/index.js';
import { PullMonitor } from '../../src/http/index.js';
import { parseSse, type SseEvent } from '../../src/lib/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let registry: TestRegistry;
let modelBytes: Buffer;
let sseBytes: Buffer;

beforeAll(async () => {
  t = await createTestApp();
  // ~150 KB/s per connection: a pull of the tiny model takes a second or two, long enough to watch.
  registry = await startRegistry({ throttle: 150_000 });
  modelBytes = readFileSync(await tinyModelPath({ eos: 'never' }));
  sseBytes = readFileSync(await tinyModelPath({ eos: 'never', seed: 99 }));
  for (const [tag, data] of [
    ['bg', modelBytes],
    ['sse', sseBytes],
  ] as const) {
    await registry.addModel(`library/tiny:${tag}`, [
      { mediaType: 'application/vnd.ollama.image.model', data },
      { mediaType: 'application/vnd.ollama.image.system', data: `You are ${tag}.` },
    ]);
  }
});
afterAll(async () => {
  await t?.close();
  await registry?.close();
});

const pulls = async () => ((await (await t.app.request('/api/pulls')).json()) as PullsResponse).pulls;
const entryOf = async (model: string): Promise<PullEntry | undefined> =>
  (await pulls()).find((p) => p.model === model);

/** Open the event stream; events arrive in `events` (with arrival times) until `close()`. */
async function openEvents(init: RequestInit = {}) {
  const res = await t.app.request('/api/pulls/events', init);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const events: Array<SseEvent & { at: number }> = [];
  const reader = res.body!.getReader();
  const body = { [Symbol.asyncIterator]: () => ({ next: () => reader.read() }) } as AsyncIterable<Uint8Array>;
  const reading = (async () => {
    for await (const e of parseSse(body)) events.push({ ...e, at: Date.now() });
  })();
  return { events, reader, reading };
}

describe('POST /api/pulls', () => {
  it('goes on after its client disconnects and ends as success in GET /api/pulls', async () => {
    const model = `${registry.host}/library/tiny:bg`;
    const client = new AbortController();
    const res = await t.app.request('/api/pulls', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, insecure: true }),
      signal: client.signal,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'started' });
    client.abort(); // the HTTP client is gone; the pull must not care
    expect((await entryOf(model))?.state).toBe('pulling');
    // a second start joins the running pull instead of starting another
    expect((await t.json('POST', '/api/pulls', { model, insecure: true })).status).toBe(202);
    await vi.waitFor(async () => expect((await entryOf(model))?.state).toBe('success'), {
      timeout: 30_000,
      interval: 100,
    });
    const entry = (await entryOf(model))!;
    expect(entry.total).toBeGreaterThanOrEqual(modelBytes.length);
    expect(entry.completed).toBe(entry.total);
    const tags = (await (await t.app.request('/api/tags')).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toContain(model);
    expect(registry.bytesServed()).toBeLessThan(modelBytes.length * 1.5); // one download, not two
  });

  it('records a pull that fails with its error', async () => {
    const model = `${registry.host}/library/ghost:latest`;
    expect((await t.json('POST', '/api/pulls', { model, insecure: true })).status).toBe(202);
    await vi.waitFor(async () => expect((await entryOf(model))?.state).toBe('failed'), { timeout: 10_000 });
    expect((await entryOf(model))?.error).toMatch(/not found/i);
  });

  it('refuses a malformed name or a plain-HTTP registry without insecure before starting', async () => {
    expect((await t.json('POST', '/api/pulls', { model: '../etc/passwd' })).status).toBe(400);
    expect((await t.json('POST', '/api/pulls', { model: 'http://example.com/x' })).status).toBe(400);
    expect((await t.json('POST', '/api/pulls', {})).status).toBe(400);
  });
});

describe('GET /api/pulls/events', () => {
  it('sends a snapshot, throttled progress with speed and ETA, then done; and cleans up on disconnect', async () => {
    const stream = await openEvents();
    await vi.waitFor(() => expect(stream.events.length).toBeGreaterThan(0));
    expect(stream.events[0]?.event).toBe('snapshot');
    expect(JSON.parse(stream.events[0]!.data)).toEqual({ pulls: await pulls() });
    expect(t.pullMonitor.stats.subscribers).toBe(1);

    const model = `${registry.host}/library/tiny:sse`;
    expect((await t.json('POST', '/api/pulls', { model, insecure: true })).status).toBe(202);
    await vi.waitFor(() => expect(stream.events.some((e) => e.event === 'done')).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    const progress = stream.events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    const data = progress.map((e) => JSON.parse(e.data) as PullProgressEvent);
    for (const p of data) {
      expect(p).toMatchObject({ model, state: 'pulling' });
      expect(p.completed).toBeLessThanOrEqual(p.total);
      expect(p.bytes_per_second).toBeGreaterThanOrEqual(0);
    }
    const moving = data.find((p) => p.bytes_per_second > 0 && p.completed < p.total);
    expect(moving?.eta_seconds).toBeGreaterThan(0);
    const last = data.at(-1)!;
    // the total covers every layer from the start (the record lists them), not only the layers begun
    const finished = (await entryOf(model))!;
    expect(finished).toMatchObject({ state: 'success', completed: finished.total });
    expect(finished.total).toBeGreaterThan(sseBytes.length);
    for (const p of data.filter((d) => d.layers.length > 0)) expect(p.total).toBe(finished.total);
    expect(last.layers[0]).toMatchObject({ total: sseBytes.length });
    // at most ~4 a second for one pull (250 ms apart, with timer slack)
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(200);
    }
    expect(JSON.parse(stream.events.find((e) => e.event === 'done')!.data)).toEqual({ model });

    await stream.reader.cancel();
    await stream.reading;
    expect(t.pullMonitor.stats).toEqual({ subscribers: 0, timers: 0, tracked: 0 });
  });

  it('ends the stream and its subscription when the request is aborted, and when the monitor closes', async () => {
    const client = new AbortController();
    const a = await openEvents({ signal: client.signal });
    const b = await openEvents();
    await vi.waitFor(() => expect(t.pullMonitor.stats.subscribers).toBe(2));
    expect(t.pullMonitor.stats.timers).toBe(1); // one shared heartbeat
    client.abort();
    await a.reading.catch(() => undefined); // an aborted body may end with an AbortError
    expect(t.pullMonitor.stats.subscribers).toBe(1);
    t.pullMonitor.close();
    await b.reading;
    expect(t.pullMonitor.stats).toEqual({ subscribers: 0, timers: 0, tracked: 0 });
  });
});

describe('heartbeat', () => {
  it('writes a comment to every subscriber each period, with one timer that stops with the last subscriber', () => {
    vi.useFakeTimers();
    const monitor = new PullMonitor({ puller: t.puller, log: silentLogger, heartbeatMs: 1000 });
    try {
      const beats: string[] = [];
      const subscriber = (name: string) => ({
        onEvent: () => undefined,
        onHeartbeat: () => beats.push(name),
        onClose: () => undefined,
      });
      const stopA = monitor.subscribe(subscriber('a'));
      const stopB = monitor.subscribe(subscriber('b'));
      vi.advanceTimersByTime(2500);
      expect(beats).toEqual(['a', 'b', 'a', 'b']);
      expect(monitor.stats.timers).toBe(1);
      stopA();
      stopB();
      expect(monitor.stats.timers).toBe(0);
    } finally {
      monitor.close();
      vi.useRealTimers();
    }
  });
});
