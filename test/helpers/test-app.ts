/** An app built over a real store in a temporary directory, for `app.request()` tests without sockets. */
import { FinetuneService, finetuneModels } from '../../src/finetune/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { loadConfig, type Config } from '../../src/config/index.js';
import {
  silentLogger,
  type InferenceService,
  type ReadinessCheck,
  type RunnerFactory,
  type Scheduler,
} from '../../src/core/index.js';
import { authServicesFromSettings, resolveAuthMode, type AuthServices } from '../../src/auth/index.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from '../../src/db/index.js';
import { createProcessRunnerFactory } from '../../src/engine/index.js';
import { createApp, PullMonitor } from '../../src/http/index.js';
import { createInferenceStack } from '../../src/inference-stack.js';
import { LogRing } from '../../src/lib/index.js';
import { Metrics } from '../../src/metrics/index.js';
import {
  ModelPuller,
  ModelPusher,
  ModelStore,
  pullerSettings,
  storeWritableCheck,
} from '../../src/store/index.js';

export interface TestApp {
  app: Hono;
  store: ModelStore;
  scheduler: Scheduler;
  inference: InferenceService;
  config: Config;
  home: string;
  metrics: Metrics;
  db: Database;
  auth: AuthServices;
  puller: ModelPuller;
  pullMonitor: PullMonitor;
  /** The log ring `GET /api/logs` reads (tests write lines into it). */
  logs: LogRing;
  finetune: FinetuneService;
  /** `app.request` with a JSON body. */
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Runner factory (default: real runner processes with one thread each). */
  runnerFactory?: RunnerFactory;
  /** Memory budget for models (default 8 GiB). */
  memoryBytes?: number;
  /** Readiness checks after the store-writable one. */
  readiness?: ReadinessCheck[];
  /** Database (default: SQLite in the temporary home); see test/helpers/test-databases.ts. */
  database?: Omit<OpenDatabaseOptions, 'log'>;
  /** The built console's folder (default: none, so browsers get the "not built" page). */
  consoleDir?: string;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const home = mkdtempSync(join(tmpdir(), 'corral-app-'));
  const config = loadConfig({ env: { CORRAL_HOME: home, CORRAL_NUM_PARALLEL: '2', ...options.env } });
  const store = await ModelStore.open(config.models);
  const memoryBytes = options.memoryBytes ?? 8 * 2 ** 30;
  const metrics = new Metrics();
  const db = await openDatabase({
    sqlitePath: join(home, 'corral.db'),
    ...options.database,
    log: silentLogger,
  });
  const { scheduler, inference } = createInferenceStack({
    config,
    store,
    runnerFactory: options.runnerFactory ?? createProcessRunnerFactory({ log: silentLogger }),
    memory: { available: () => Promise.resolve({ freeBytes: memoryBytes, totalBytes: memoryBytes }) },
    coreBudget: 2,
    log: silentLogger,
    contextLength: 512,
    metrics,
    profiles: db.profiles,
  });
  const puller = await ModelPuller.open({
    store,
    ...pullerSettings(config),
  });
  const pusher = new ModelPusher({ store });
  const pullMonitor = new PullMonitor({
    puller,
    log: silentLogger,
    onProgress: (p) => metrics.pullProgress(p),
  });
  const logs = new LogRing();
  const auth = authServicesFromSettings(config, {
    enabled: resolveAuthMode({ ...config, hostname: config.host.hostname }).enabled,
    db,
    log: silentLogger,
  });
  const finetune = new FinetuneService({
    repo: db.finetune,
    models: finetuneModels(store, inference),
    root: join(home, 'finetune'),
    python: config.python === '' ? undefined : config.python,
    threads: 2,
    log: silentLogger,
    stallTimeoutMs: config.trainStallTimeout,
  });
  await finetune.start();
  const app = createApp({
    finetune,
    auth,
    config,
    store,
    puller,
    pusher,
    inference,
    log: silentLogger,
    version: '9.9.9-test',
    metrics,
    readiness: [
      storeWritableCheck(config.models),
      { name: 'database', check: () => db.ping() },
      ...(options.readiness ?? []),
    ],
    pullMonitor,
    logs,
    consoleDir: options.consoleDir,
  });
  return {
    app,
    store,
    scheduler,
    inference,
    config,
    home,
    metrics,
    db,
    auth,
    puller,
    pullMonitor,
    logs,
    finetune,
    json: async (method, path, body, headers = {}) =>
      app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await finetune.close();
      await puller.close();
      pullMonitor.close();
      await pusher.close();
      await scheduler.close();
      await store.close();
      await metrics.close();
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
