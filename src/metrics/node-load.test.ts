import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';
import { summarizeCache, usageRatio, type SchedulerGauges } from './node-load.js';

/** The value of one sample line; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const row = (displayName: string, usedTokens: number, capacityTokens: number) => ({
  displayName,
  usedTokens,
  capacityTokens,
});

describe('summarizeCache and usageRatio', () => {
  it.each([
    { rows: [], total: { usedTokens: 0, capacityTokens: 0 }, ratio: 0 },
    { rows: [row('a', 10, 100)], total: { usedTokens: 10, capacityTokens: 100 }, ratio: 0.1 },
    // weighted by capacity, not a mean of ratios
    {
      rows: [row('a', 100, 100), row('b', 0, 300)],
      total: { usedTokens: 100, capacityTokens: 400 },
      ratio: 0.25,
    },
  ])('totals $rows.length rows', ({ rows, total, ratio }) => {
    const summary = summarizeCache(rows);
    expect(summary.total).toEqual(total);
    expect(usageRatio(summary.total)).toBe(ratio);
  });

  it('adds up two runners of one model name and caps the ratio at 1', () => {
    const { models } = summarizeCache([row('a', 10, 100), row('a', 30, 100), row('b', 5, 4)]);
    expect(models.get('a')).toEqual({ usedTokens: 40, capacityTokens: 200 });
    expect(usageRatio(models.get('b')!)).toBe(1);
  });
});

describe('node load gauges', () => {
  it('reads queue, running requests and KV cache at each scrape, one runner round trip per scrape', async () => {
    const m = new Metrics({ processMetrics: false });
    let text = await m.scrape();
    // Families the endpoint picker needs are there before any model is loaded.
    for (const name of [
      'corral_num_requests_waiting',
      'corral_num_requests_running',
      'corral_kv_cache_usage_perc',
      'corral_kv_cache_capacity_tokens',
    ])
      expect(sample(text, name)).toBe(0);

    let asked = 0;
    let rows = [row('tiny:latest', 96, 512), row('big:latest', 0, 1536)];
    const scheduler: SchedulerGauges = {
      waiting: 2,
      ps: () => [{ activeRequests: 1 }, { activeRequests: 2 }],
      cacheUsage: () => {
        asked++;
        return Promise.resolve(rows);
      },
    };
    m.trackScheduler(scheduler);
    text = await m.scrape();
    expect(asked).toBe(1);
    expect(sample(text, 'corral_num_requests_waiting')).toBe(2);
    expect(sample(text, 'corral_scheduler_waiting_requests')).toBe(2);
    expect(sample(text, 'corral_num_requests_running')).toBe(3);
    expect(sample(text, 'corral_loaded_models')).toBe(2);
    expect(sample(text, 'corral_kv_cache_usage_perc')).toBe(96 / 2048);
    expect(sample(text, 'corral_kv_cache_capacity_tokens')).toBe(2048);
    expect(sample(text, 'corral_model_kv_cache_usage_perc', '{model="tiny:latest"}')).toBe(96 / 512);
    expect(sample(text, 'corral_model_kv_cache_capacity_tokens', '{model="big:latest"}')).toBe(1536);

    rows = [row('tiny:latest', 512, 512)];
    text = await m.scrape();
    expect(asked).toBe(2);
    expect(sample(text, 'corral_kv_cache_usage_perc')).toBe(1);
    expect(sample(text, 'corral_model_kv_cache_usage_perc', '{model="big:latest"}')).toBeUndefined();
  });

  it('leaves the load gauges out of a gateway registry', async () => {
    const text = await new Metrics({ processMetrics: false, nodeLoad: false }).scrape();
    expect(text).not.toContain('corral_num_requests_waiting');
    expect(text).not.toContain('corral_kv_cache');
  });
});
