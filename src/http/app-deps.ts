/** What the HTTP app needs; `server.ts` builds these, tests pass their own. */
import type { Config } from '../config/index.js';
import type { InferenceService, Logger } from '../core/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ReadinessCheck } from '../core/index.js';
import type { AuthServices } from '../auth/index.js';
import type { LogRing } from '../lib/index.js';
import type { ModelPuller, ModelPusher, ModelStore } from '../store/index.js';
import type { PullMonitor } from './console/pull-monitor.js';
import type { FinetuneService } from '../finetune/index.js';

export interface AppDeps {
  config: Config;
  store: ModelStore;
  /** Pulls (registries, Hugging Face) and their durable records. */
  puller: ModelPuller;
  pusher: ModelPusher;
  inference: InferenceService;
  log: Logger;
  version: string;
  /** Accounts, keys, sessions, rate limits and the audit log. */
  auth: AuthServices;
  /** Prometheus metrics: `GET /metrics`, request counters, pull bytes. */
  metrics: Metrics;
  /** What `GET /readyz` checks (model store writable, database reachable…). */
  readiness: ReadinessCheck[];
  /** Background pulls and their event stream for the console (`POST /api/pulls`, `GET /api/pulls/events`). */
  pullMonitor: PullMonitor;
  /** Recent log lines (`GET /api/logs`), fed by the pino logger. */
  logs: LogRing;
  /** Fine-tuning datasets and jobs. */
  finetune: FinetuneService;
  /** The built web console (`index.html`, `assets/`); absent or missing: a page says to build it. */
  consoleDir?: string;
}
