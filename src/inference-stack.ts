/**
 * The scheduler and the inference service over a model store, configured from `Config`. `server.ts` builds it
 * with runner processes and the machine's memory; tests pass their own runner factory and memory probe.
 */
import type { Config } from './config/index.js';
import {
  InferenceService,
  RequestRegistry,
  Scheduler,
  type Logger,
  type MemoryProbe,
  type RunnerFactory,
} from './core/index.js';
import { ProfileModelCatalog, type ProfileRepository } from './db/index.js';
import type { Metrics } from './metrics/index.js';
import { StoreModelCatalog, type ModelStore } from './store/index.js';

export interface InferenceStackParts {
  config: Config;
  store: ModelStore;
  runnerFactory: RunnerFactory;
  memory: MemoryProbe;
  /** CPU threads all runners together may use. */
  coreBudget: number;
  log: Logger;
  /** Default context length (default: `config.contextLength`). */
  contextLength?: number;
  /** Fed with loads, crashes, tokens and time to first token; reads the queue and loaded models. */
  metrics?: Metrics;
  /** Saved profiles, usable as model names (`profile:<name>`, or the bare name when no model has it). */
  profiles?: Pick<ProfileRepository, 'getByName'>;
}

export function createInferenceStack(parts: InferenceStackParts): {
  scheduler: Scheduler;
  inference: InferenceService;
} {
  const { config, log } = parts;
  const scheduler = new Scheduler({
    runnerFactory: parts.runnerFactory,
    memory: parts.memory,
    coreBudget: parts.coreBudget,
    maxLoadedModels: config.maxLoadedModels,
    maxQueue: config.maxQueue,
    numParallel: config.numParallel,
    defaultKeepAliveMs: config.keepAlive,
    loadTimeoutMs: config.loadTimeout,
    gpu: config.gpu,
    log: log.child({ component: 'scheduler' }),
    observer: parts.metrics,
  });
  const models = new StoreModelCatalog(parts.store);
  const inference = new InferenceService({
    scheduler,
    catalog: parts.profiles === undefined ? models : new ProfileModelCatalog(models, parts.profiles),
    defaultContextLength: parts.contextLength ?? config.contextLength,
    log: log.child({ component: 'inference' }),
    observer: parts.metrics,
    requests: new RequestRegistry({ defaultTimeoutMs: config.requestTimeout }),
  });
  parts.metrics?.trackScheduler(scheduler);
  return { scheduler, inference };
}
