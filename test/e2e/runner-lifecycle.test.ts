/**
 * Runners seen through the HTTP API: a killed runner fails only its requests, `keep_alive: 0` ends the runner
 * process, and a full queue answers 503 QUEUE_FULL at once while admitted requests finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  t = await createTestApp({ env: { CORRAL_NUM_PARALLEL: '1', CORRAL_MAX_QUEUE: '1' } });
  // EOS never wins: generations run to their token limit, so they are long enough to interrupt.
  const path = await tinyModelPath({ eos: 'never' });
  const res = await t.json('POST', '/api/create', {
    model: 'tiny',
    modelfile: `FROM ${path}\n`,
    stream: false,
  });
  expect(res.status).toBe(200);
});
afterAll(() => t.close());

const generate = (body: Record<string, unknown>) =>
  t.json('POST', '/api/generate', { model: 'tiny', prompt: 'hello', ...body });

describe('runner processes behind the API', () => {
  it('a runner killed mid-generation fails its request clearly; the next request gets a fresh runner', async () => {
    const res = await generate({ options: { num_predict: 100_000, temperature: 0 } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await reader.read(); // streaming has begun
    const [loaded] = t.inference.ps();
    expect(loaded?.pid).toBeGreaterThan(0);
    process.kill(loaded!.pid!, 'SIGKILL');
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      text += new TextDecoder().decode(r.value);
    const last = JSON.parse(text.trim().split('\n').at(-1)!) as { error?: string };
    expect(last.error).toMatch(/runner/i);
    expect(last.error).toMatch(/SIGKILL/);

    const next = await generate({ stream: false, options: { num_predict: 4, temperature: 0 } });
    expect(next.status).toBe(200);
    expect(((await next.json()) as { eval_count: number }).eval_count).toBe(4);
    expect(t.inference.ps()[0]?.pid).not.toBe(loaded!.pid);
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toContain('corral_runner_crashes_total{model="tiny:latest"} 1');
    expect(metrics).toContain('corral_model_loads_total{model="tiny:latest",result="ok"} 2');
  });

  it('keep_alive: 0 ends the runner process after the request', async () => {
    const warm = await generate({ stream: false, options: { num_predict: 2 } });
    expect(warm.status).toBe(200);
    const pid = t.inference.ps()[0]!.pid!;
    expect(alive(pid)).toBe(true);
    const res = await generate({ stream: false, keep_alive: 0, options: { num_predict: 2 } });
    expect(res.status).toBe(200);
    await waitFor(() => !alive(pid));
    expect(t.inference.ps()).toEqual([]);
  });

  it('a full queue answers 503 QUEUE_FULL at once while admitted requests finish', async () => {
    const long = { stream: false, options: { num_predict: 300, temperature: 0 } };
    const first = generate(long);
    await waitFor(() => (t.inference.ps()[0]?.activeRequests ?? 0) === 1, 30_000);
    const second = generate(long); // waits in the queue (one slot)
    await waitFor(() => t.scheduler.waiting === 1);
    const started = Date.now();
    const third = await generate(long);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(third.status).toBe(503);
    expect(await third.json()).toEqual({ error: expect.stringMatching(/busy|queue/i) });
    for (const res of await Promise.all([first, second])) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { eval_count: number }).eval_count).toBe(300);
    }
  });
});
