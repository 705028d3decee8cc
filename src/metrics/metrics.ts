/**
 * The server's Prometheus metrics (`GET /metrics`). The one importer of prom-client. Each `Metrics` owns its own
 * registry, never prom-client's global one, so several apps in one process (tests) do not collide. It implements
 * the core observer ports, so the scheduler and the inference service feed it without knowing about Prometheus.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GenerationStats, InferenceObserver, SchedulerObserver } from '../core/index.js';
import { registerNodeLoad, type SchedulerGauges } from './node-load.js';
import { type ProgressLine, PullBytes } from './pull-bytes.js';

/** The route label of requests that matched no route: raw paths would make label values unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Methods kept as label values; anything else is `OTHER`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** One answered HTTP request. */
export interface RequestSample {
  /** The matched route pattern (`/api/generate`), or {@link UNMATCHED_ROUTE}. */
  route: string;
  method: string;
  status: number;
  seconds: number;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC) on this registry; default true. */
  processMetrics?: boolean;
  /** The load gauges of a server that runs models (queue, running, KV cache); default true. A gateway has none. */
  nodeLoad?: boolean;
}

/** The metrics of one server; see the module comment. */
export class Metrics implements InferenceObserver, SchedulerObserver, AsyncDisposable {
  readonly registry = new Registry();
  readonly #pullBytes = new PullBytes();
  #scheduler: SchedulerGauges | undefined;

  readonly #requests = new Counter({
    name: 'corral_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'corral_http_request_duration_seconds',
    help: 'Time until the response headers, by route pattern and method (streamed bodies continue after).',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly #promptTokens = new Counter({
    name: 'corral_prompt_tokens_total',
    help: 'Prompt tokens evaluated (prefix-cache hits not counted), by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #generatedTokens = new Counter({
    name: 'corral_generated_tokens_total',
    help: 'Tokens generated, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #draftTokens = new Counter({
    name: 'corral_draft_tokens_total',
    help: 'Draft-model tokens checked by speculative decoding, by model (acceptance: accepted / this).',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #draftAccepted = new Counter({
    name: 'corral_draft_accepted_tokens_total',
    help: 'Draft-model tokens accepted by speculative decoding, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #firstToken = new Histogram({
    name: 'corral_time_to_first_token_seconds',
    help: 'Time from a generation request reaching the scheduler (queue and load included) to its first text.',
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly #loads = new Counter({
    name: 'corral_model_loads_total',
    help: 'Model loads into a runner, by model and result (ok, error).',
    labelNames: ['model', 'result'] as const,
    registers: [this.registry],
  });
  readonly #crashes = new Counter({
    name: 'corral_runner_crashes_total',
    help: 'Runners that ended without being asked to (crash, out-of-memory kill, hang), by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly #pulled = new Counter({
    name: 'corral_pull_downloaded_bytes_total',
    help: 'Bytes downloaded by model pulls (resumed and already present data not counted).',
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    // Queue, running requests, loaded models and KV cache, read from the scheduler when scraped (node-load.ts).
    if (options.nodeLoad ?? true) registerNodeLoad(this.registry, () => this.#scheduler);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Content type of {@link scrape}'s text (Prometheus text exposition format). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** Read the queue, running-request, loaded-model and KV-cache gauges from this scheduler at each scrape. */
  trackScheduler(scheduler: SchedulerGauges): void {
    this.#scheduler = scheduler;
  }

  request(sample: RequestSample): void {
    const method = METHODS.has(sample.method) ? sample.method : 'OTHER';
    const { route } = sample;
    this.#requests.inc({ route, method, status: String(sample.status) });
    this.#latency.observe({ route, method }, sample.seconds);
  }

  /** A pull progress line (each request following a pull passes its lines; bytes are counted once). */
  pullProgress(line: ProgressLine): void {
    const bytes = this.#pullBytes.delta(line);
    if (bytes > 0) this.#pulled.inc(bytes);
  }

  generated(model: string, stats: GenerationStats): void {
    this.#promptTokens.inc({ model }, stats.promptTokens);
    this.#generatedTokens.inc({ model }, stats.evalTokens);
    if (stats.draftTokens !== undefined) {
      this.#draftTokens.inc({ model }, stats.draftTokens);
      this.#draftAccepted.inc({ model }, stats.draftAcceptedTokens ?? 0);
    }
    if (stats.firstTokenMs !== undefined) this.#firstToken.observe({ model }, stats.firstTokenMs / 1000);
  }

  modelLoaded(model: string): void {
    this.#loads.inc({ model, result: 'ok' });
  }

  modelLoadFailed(model: string): void {
    this.#loads.inc({ model, result: 'error' });
  }

  runnerCrashed(model: string): void {
    this.#crashes.inc({ model });
  }

  /**
   * Forget every metric and the scheduler; idempotent. prom-client cannot stop the GC observer that process
   * metrics install, so it stays attached to this (now unreachable from scrapes) registry's histogram.
   */
  close(): Promise<void> {
    this.#scheduler = undefined;
    this.registry.clear();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
