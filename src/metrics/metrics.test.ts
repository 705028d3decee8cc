import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

/** The value of one sample line, e.g. `corral_loaded_models 2`; 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Metrics', () => {
  it('counts requests by route, method and status with a bounded method label', async () => {
    const m = new Metrics({ processMetrics: false });
    m.request({ route: '/api/tags', method: 'GET', status: 200, seconds: 0.01 });
    m.request({ route: '/api/tags', method: 'GET', status: 200, seconds: 0.02 });
    m.request({ route: 'unmatched', method: 'BREW', status: 404, seconds: 0.001 });
    const text = await m.scrape();
    expect(sample(text, 'corral_http_requests_total', '{route="/api/tags",method="GET",status="200"}')).toBe(
      2,
    );
    expect(
      sample(text, 'corral_http_requests_total', '{route="unmatched",method="OTHER",status="404"}'),
    ).toBe(1);
    expect(
      sample(text, 'corral_http_request_duration_seconds_count', '{route="/api/tags",method="GET"}'),
    ).toBe(2);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('feeds tokens, time to first token, loads and crashes from the core observers', async () => {
    const m = new Metrics({ processMetrics: false });
    m.generated('tiny:latest', { promptTokens: 7, evalTokens: 5, firstTokenMs: 120 });
    m.generated('tiny:latest', { promptTokens: 3, evalTokens: 0, firstTokenMs: undefined });
    m.generated('spec:latest', {
      promptTokens: 1,
      evalTokens: 9,
      draftTokens: 8,
      draftAcceptedTokens: 6,
      firstTokenMs: 10,
    });
    m.modelLoaded('tiny:latest');
    m.modelLoadFailed('tiny:latest');
    m.runnerCrashed('tiny:latest');
    const text = await m.scrape();
    const model = '{model="tiny:latest"}';
    expect(sample(text, 'corral_prompt_tokens_total', model)).toBe(10);
    expect(sample(text, 'corral_generated_tokens_total', model)).toBe(5);
    expect(sample(text, 'corral_time_to_first_token_seconds_count', model)).toBe(1);
    expect(sample(text, 'corral_time_to_first_token_seconds_sum', model)).toBeCloseTo(0.12);
    expect(sample(text, 'corral_model_loads_total', '{model="tiny:latest",result="ok"}')).toBe(1);
    expect(sample(text, 'corral_model_loads_total', '{model="tiny:latest",result="error"}')).toBe(1);
    expect(sample(text, 'corral_runner_crashes_total', model)).toBe(1);
    expect(sample(text, 'corral_draft_tokens_total', '{model="spec:latest"}')).toBe(8);
    expect(sample(text, 'corral_draft_accepted_tokens_total', '{model="spec:latest"}')).toBe(6);
    expect(text).not.toContain('corral_draft_tokens_total{model="tiny:latest"}');
  });

  it('reads the scheduler gauges at scrape time and counts pulled bytes once', async () => {
    const m = new Metrics({ processMetrics: false });
    const scheduler = {
      waiting: 3,
      ps: () => [{ activeRequests: 0 }, { activeRequests: 0 }],
      cacheUsage: () => Promise.resolve([]),
    };
    m.trackScheduler(scheduler);
    let text = await m.scrape();
    expect(sample(text, 'corral_scheduler_waiting_requests')).toBe(3);
    expect(sample(text, 'corral_loaded_models')).toBe(2);
    scheduler.waiting = 0;
    m.pullProgress({ digest: 'sha256:a', total: 100, completed: 0 });
    m.pullProgress({ digest: 'sha256:a', total: 100, completed: 60 });
    m.pullProgress({ digest: 'sha256:a', total: 100, completed: 60 });
    text = await m.scrape();
    expect(sample(text, 'corral_scheduler_waiting_requests')).toBe(0);
    expect(sample(text, 'corral_pull_downloaded_bytes_total')).toBe(60);
  });

  it('keeps registries apart, adds process metrics on its own registry, and closes idempotently', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.request({ route: '/', method: 'GET', status: 200, seconds: 0 });
    expect(await b.scrape()).not.toContain('route="/"');
    expect(await a.scrape()).toContain('process_cpu_user_seconds_total');
    await a.close();
    await a.close();
    await b[Symbol.asyncDispose]();
    expect((await a.scrape()).trim()).toBe('');
  });
});
