/**
 * A real `corral serve` (server composition, runner process, node-llama-cpp, tiny model) reports its load on
 * `/metrics` as an inference gateway's endpoint picker reads it: requests running while a generation is in
 * flight, and KV-cache use measured in the runner, the tokens its context holds, during and after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CONTEXT = 4096;
const PARALLEL = 2;
let s: TestServer;
let base: string;

beforeAll(async () => {
  s = await startTestServer({
    CORRAL_NUM_PARALLEL: String(PARALLEL),
    CORRAL_CONTEXT_LENGTH: String(CONTEXT),
    CORRAL_THREADS: '1',
  });
  base = `http://127.0.0.1:${s.server.port}`;
  // EOS never wins: a generation runs to its token limit, long enough to scrape while it runs.
  const modelfile = `FROM ${await tinyModelPath({ eos: 'never', contextLength: CONTEXT })}\n`;
  const res = await post('/api/create', { model: 'tiny', modelfile, stream: false });
  expect(res.status).toBe(200);
});
afterAll(() => s?.close());

const post = (path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });

async function scrape(): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const MODEL = '{model="tiny:latest"}';

describe('node load metrics of corral serve', () => {
  it('reports zero load and no KV cache before a model is loaded', async () => {
    const text = await scrape();
    expect(sample(text, 'corral_num_requests_waiting')).toBe(0);
    expect(sample(text, 'corral_num_requests_running')).toBe(0);
    expect(sample(text, 'corral_kv_cache_usage_perc')).toBe(0);
    expect(sample(text, 'corral_kv_cache_capacity_tokens')).toBe(0);
  });

  it('counts exactly the tokens the context holds after a generation (its prefix cache) and its capacity', async () => {
    const res = await post('/api/generate', {
      model: 'tiny',
      prompt: 'a short prompt',
      stream: false,
      options: { num_predict: 20, temperature: 0 },
    });
    const body = (await res.json()) as { prompt_eval_count: number; eval_count: number };
    expect(body.eval_count).toBe(20);
    const after = await scrape();
    expect(sample(after, 'corral_num_requests_running')).toBe(0);
    expect(sample(after, 'corral_kv_cache_capacity_tokens')).toBe(CONTEXT * PARALLEL);
    expect(sample(after, 'corral_model_kv_cache_capacity_tokens', MODEL)).toBe(CONTEXT * PARALLEL);
    const used = Math.round((sample(after, 'corral_kv_cache_usage_perc') ?? 0) * CONTEXT * PARALLEL);
    // One sequence holds the prompt and every generated token but the last (sampled, never evaluated).
    expect(used).toBeGreaterThanOrEqual(body.prompt_eval_count + body.eval_count - 1);
    expect(used).toBeLessThanOrEqual(body.prompt_eval_count + body.eval_count + 1);
    expect(sample(after, 'corral_model_kv_cache_usage_perc', MODEL)).toBe(
      sample(after, 'corral_kv_cache_usage_perc'),
    );
  });
  it('reports the running request and the KV cache it fills while it generates', async () => {
    const held = sample(await scrape(), 'corral_kv_cache_usage_perc') ?? 0;
    const abort = new AbortController();
    const res = await post(
      '/api/generate',
      { model: 'tiny', prompt: 'hello there, tell me a long story', options: { num_predict: 100_000 } },
      abort.signal,
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the prompt is evaluated and tokens are streaming
    const during = await scrape();
    abort.abort(); // the rest is not needed: cancelling ends the generation in the runner
    await reader.cancel().catch(() => undefined); // the abort already ended the stream
    expect(sample(during, 'corral_num_requests_running')).toBe(1);
    expect(sample(during, 'corral_num_requests_waiting')).toBe(0);
    // More than the finished generation of the test before left: the prompt and the tokens streamed so far.
    expect(sample(during, 'corral_kv_cache_usage_perc')).toBeGreaterThan(held);
    expect(sample(during, 'corral_model_kv_cache_usage_perc', MODEL)).toBeGreaterThan(0);
  });
});
