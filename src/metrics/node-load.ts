/**
 * The load of this server (a cluster node, or a single server): queue depth, requests running and KV-cache use,
 * read from the scheduler at each scrape, so they are never stale and cost nothing between scrapes. The names
 * line up with what the Kubernetes Gateway API Inference Extension's endpoint picker reads from model servers
 * (its "model server protocol": TotalQueuedRequests, TotalRunningRequests, KVCacheUtilization; in vLLM
 * `vllm:num_requests_waiting`, `vllm:num_requests_running`, `vllm:kv_cache_usage_perc`): the picker matches one
 * series of a metric family, so the node-wide values are unlabelled families of their own and the per-model values
 * are separate `corral_model_*` families. KV-cache use is asked of the runners (`Scheduler.cacheUsage`) once
 * per scrape.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ModelCacheUsage } from '../core/index.js';
import { perScrape } from './per-scrape.js';

/** What the load gauges read at scrape time (the `Scheduler` satisfies it). */
export interface SchedulerGauges {
  /** Requests waiting for a runner. */
  readonly waiting: number;
  /** The loaded models and the requests each serves now. */
  ps(): readonly { activeRequests: number }[];
  /** Each loaded model's KV-cache use, asked of its runner now; never rejects. */
  cacheUsage(): Promise<readonly Pick<ModelCacheUsage, 'displayName' | 'usedTokens' | 'capacityTokens'>[]>;
}

/** Tokens held and cells available, in tokens. */
export interface CacheTotals {
  usedTokens: number;
  capacityTokens: number;
}

/** KV-cache use in total and per model name (two runners of one name, e.g. old and new during a reload, add up). */
export function summarizeCache(rows: Awaited<ReturnType<SchedulerGauges['cacheUsage']>>): {
  total: CacheTotals;
  models: Map<string, CacheTotals>;
} {
  const total = { usedTokens: 0, capacityTokens: 0 };
  const models = new Map<string, CacheTotals>();
  for (const row of rows) {
    const model = models.get(row.displayName) ?? { usedTokens: 0, capacityTokens: 0 };
    model.usedTokens += row.usedTokens;
    model.capacityTokens += row.capacityTokens;
    models.set(row.displayName, model);
    total.usedTokens += row.usedTokens;
    total.capacityTokens += row.capacityTokens;
  }
  return { total, models };
}

/** Used over capacity, 0 when there is no cache at all. */
export function usageRatio({ usedTokens, capacityTokens }: CacheTotals): number {
  return capacityTokens > 0 ? Math.min(1, usedTokens / capacityTokens) : 0;
}

/** Registers the load gauges on `registry`; `source()` is the scheduler to read, if one is tracked yet. */
export function registerNodeLoad(registry: Registry, source: () => SchedulerGauges | undefined): void {
  const registers = [registry];
  // One runner round trip per scrape, shared by the four gauges that need it.
  const cache = perScrape(async () => summarizeCache((await source()?.cacheUsage()) ?? []));

  const waiting: Gauge = new Gauge({
    name: 'corral_num_requests_waiting',
    help: 'Requests waiting for a model runner: the queue depth (vllm:num_requests_waiting).',
    registers,
    collect: () => waiting.set(source()?.waiting ?? 0),
  });
  const legacyWaiting: Gauge = new Gauge({
    name: 'corral_scheduler_waiting_requests',
    help: 'Requests waiting for a model runner (same as corral_num_requests_waiting).',
    registers,
    collect: () => legacyWaiting.set(source()?.waiting ?? 0),
  });
  const running: Gauge = new Gauge({
    name: 'corral_num_requests_running',
    help: 'Requests being served by a loaded model now (vllm:num_requests_running).',
    registers,
    collect: () => running.set((source()?.ps() ?? []).reduce((n, m) => n + m.activeRequests, 0)),
  });
  const loaded: Gauge = new Gauge({
    name: 'corral_loaded_models',
    help: 'Models loaded in runners (as /api/ps lists them).',
    registers,
    collect: () => loaded.set(source()?.ps().length ?? 0),
  });
  const usage: Gauge = new Gauge({
    name: 'corral_kv_cache_usage_perc',
    help: 'KV-cache use of all loaded models, 0 to 1: tokens held over capacity (vllm:kv_cache_usage_perc).',
    registers,
    collect: async () => usage.set(usageRatio((await cache()).total)),
  });
  const capacity: Gauge = new Gauge({
    name: 'corral_kv_cache_capacity_tokens',
    help: 'KV-cache capacity of all loaded models, in tokens (context length x parallel sequences, summed).',
    registers,
    collect: async () => capacity.set((await cache()).total.capacityTokens),
  });
  const modelUsage: Gauge<'model'> = new Gauge({
    name: 'corral_model_kv_cache_usage_perc',
    help: 'KV-cache use of one loaded model, 0 to 1: tokens held over capacity.',
    labelNames: ['model'] as const,
    registers,
    collect: async () => {
      const { models } = await cache();
      modelUsage.reset(); // unloaded models disappear
      for (const [model, totals] of models) modelUsage.set({ model }, usageRatio(totals));
    },
  });
  const modelCapacity: Gauge<'model'> = new Gauge({
    name: 'corral_model_kv_cache_capacity_tokens',
    help: 'KV-cache capacity of one loaded model, in tokens.',
    labelNames: ['model'] as const,
    registers,
    collect: async () => {
      const { models } = await cache();
      modelCapacity.reset();
      for (const [model, totals] of models) modelCapacity.set({ model }, totals.capacityTokens);
    },
  });
}
