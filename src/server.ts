/**
 * Composition root: configuration → logger → model store → HTTP app → listen. `close()` drains requests and
 * closes every part in reverse order of construction (DESIGN.md: everything that owns a resource has `close()`).
 */
import { type ServerType, serve } from '@hono/node-server';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { redactConfig, type Config } from './config/index.js';
import { AppError } from './core/index.js';
import { createProcessRunnerFactory, SystemMemory } from './engine/index.js';
import { createApp } from './http/index.js';
import { createInferenceStack } from './inference-stack.js';
import { createLogger } from './logger.js';
import { ModelPuller, ModelPusher, ModelStore } from './store/index.js';
import { VERSION } from './version.js';

export interface RunningServer {
  /** Base URL clients use, e.g. `http://127.0.0.1:11434`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DRAIN_MS = 10_000;

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config);
  log.info({ version: VERSION, config: redactConfig(config) }, 'starting');
  await mkdir(config.home, { recursive: true });
  const store = await ModelStore.open(config.models, { logger: log.child({ component: 'store' }) });
  const cores = config.threads > 0 ? config.threads : availableParallelism();
  const { scheduler, inference } = createInferenceStack({
    config,
    store,
    runnerFactory: createProcessRunnerFactory({
      log: log.child({ component: 'runner' }),
      loadTimeoutMs: config.loadTimeout,
      calibrationFile: join(config.home, 'calibration.json'),
      cores,
    }),
    memory: new SystemMemory(config.memoryLimit > 0 ? { limitBytes: config.memoryLimit } : {}),
    coreBudget: cores,
    log,
  });
  const puller = await ModelPuller.open({
    store,
    maxParts: config.pullParts,
    hfEndpoint: config.hfEndpoint,
    hfToken: config.hfToken,
    log: log.child({ component: 'pull' }),
  });
  const pusher = new ModelPusher({ store, log: log.child({ component: 'push' }) });
  const app = createApp({
    config,
    store,
    puller,
    pusher,
    inference,
    log: log.child({ component: 'http' }),
    version: VERSION,
  });

  let server: ServerType;
  try {
    server = await listen(app.fetch, config.host.hostname, config.host.port);
  } catch (err) {
    await puller.close();
    await pusher.close();
    await scheduler.close();
    await store.close();
    const address = `${config.host.hostname}:${config.host.port}`;
    const why =
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'it is already in use' : (err as Error).message;
    throw new AppError(
      'LISTEN_FAILED',
      `cannot listen on ${address}: ${why} (set CORRAL_HOST to another address)`,
      {
        cause: err,
      },
    );
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.hostname.includes(':') ? `[${config.host.hostname}]` : config.host.hostname;
  const url = `http://${host}:${port}`;
  log.info({ url }, 'listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info({}, 'shutting down');
      // Pulls first: their streams end (interrupted, resumable), so draining does not wait for downloads.
      await puller.close();
      await pusher.close();
      await drain(server);
      await scheduler.close();
      await store.close();
      log.info({}, 'stopped');
      log.flush();
    })());
  return { url, port, close, [Symbol.asyncDispose]: close };
}

function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Stop accepting connections, let in-flight requests finish for a while, then cut the rest. */
async function drain(server: ServerType): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  http.closeIdleConnections?.();
  const timer = setTimeout(() => http.closeAllConnections?.(), DRAIN_MS);
  await closed;
  clearTimeout(timer);
}
