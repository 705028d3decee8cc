/**
 * Composition root: configuration → logger → model store → HTTP app → listen. `close()` drains requests and
 * closes every part in reverse order of construction (DESIGN.md: everything that owns a resource has `close()`).
 */
import { type ServerType, serve } from '@hono/node-server';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { authServicesFromSettings, resolveAuthMode } from './auth/index.js';
import { createNodeReporter, joinCluster, joinThroughGateway, type NodeMembership } from './cluster/index.js';
import { redactConfig, type Config } from './config/index.js';
import { openDatabase } from './db/index.js';
import { AppError } from './core/index.js';
import { createProcessRunnerFactory, SystemMemory } from './engine/index.js';
import { FinetuneService, finetuneModels } from './finetune/index.js';
import { CONSOLE_DIR, createApp, PullMonitor } from './http/index.js';
import { LogRing } from './lib/index.js';
import { createInferenceStack } from './inference-stack.js';
import { createLogger } from './logger.js';
import { Metrics } from './metrics/index.js';
import { ModelPuller, ModelPusher, ModelStore, pullerSettings, storeWritableCheck } from './store/index.js';
import { readTlsFiles } from './tls.js';
import { VERSION } from './version.js';

export interface RunningServer {
  /** Base URL clients use, e.g. `http://127.0.0.1:11434`. */
  readonly url: string;
  readonly port: number;
  /** The one-time token that creates the first admin, while auth is on and no account exists. */
  readonly bootstrapToken: string | undefined;
  /** Re-read the TLS certificate and key (SIGHUP); new connections get them. Throws `CONFIG_INVALID`. */
  reloadTls(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** After the grace period, cancelled requests get this long to write their error line before sockets close. */
const CANCEL_FLUSH_MS = 1_000;

export async function startServer(config: Config): Promise<RunningServer> {
  const logs = new LogRing(2000);
  const log = createLogger(config, { ring: logs });
  log.info({ version: VERSION, config: redactConfig(config) }, 'starting');
  const authMode = resolveAuthMode({ ...config, hostname: config.host.hostname });
  if (authMode.warning !== undefined) log.warn({}, authMode.warning);
  const tls = config.tlsCert === '' ? undefined : readTlsFiles(config.tlsCert, config.tlsKey);
  await mkdir(config.home, { recursive: true });
  const db = await openDatabase({
    url: config.databaseUrl === '' ? undefined : config.databaseUrl,
    sqlitePath: join(config.home, 'corral.db'),
    log: log.child({ component: 'db' }),
  });
  const auth = authServicesFromSettings(config, {
    enabled: authMode.enabled,
    db,
    log: log.child({ component: 'auth' }),
  });
  const store = await ModelStore.open(config.models, { logger: log.child({ component: 'store' }) });
  const cores = config.threads > 0 ? config.threads : availableParallelism();
  const metrics = new Metrics();
  const memory = new SystemMemory(config.memoryLimit > 0 ? { limitBytes: config.memoryLimit } : {});
  const { scheduler, inference } = createInferenceStack({
    config,
    store,
    runnerFactory: createProcessRunnerFactory({
      log: log.child({ component: 'runner' }),
      loadTimeoutMs: config.loadTimeout,
      calibrationFile: join(config.home, 'calibration.json'),
      cores,
    }),
    memory,
    coreBudget: cores,
    log,
    metrics,
    profiles: db.profiles,
  });
  const puller = await ModelPuller.open({
    store,
    ...pullerSettings(config),
    log: log.child({ component: 'pull' }),
  });
  const pusher = new ModelPusher({ store, log: log.child({ component: 'push' }) });
  const pullMonitor = new PullMonitor({
    puller,
    log: log.child({ component: 'pull' }),
    onProgress: (p) => metrics.pullProgress(p),
  });
  const finetune = new FinetuneService({
    repo: db.finetune,
    models: finetuneModels(store, inference),
    root: join(config.home, 'finetune'),
    python: config.python === '' ? undefined : config.python,
    threads: cores,
    log: log.child({ component: 'finetune' }),
    stallTimeoutMs: config.trainStallTimeout,
  });
  const app = createApp({
    config,
    store,
    puller,
    pusher,
    inference,
    log: log.child({ component: 'http' }),
    version: VERSION,
    metrics,
    readiness: [storeWritableCheck(config.models), { name: 'database', check: () => db.ping() }],
    auth,
    pullMonitor,
    logs,
    consoleDir: CONSOLE_DIR,
    finetune,
  });

  let server: ServerType;
  try {
    server = await listen(app.fetch, config.host.hostname, config.host.port, tls);
  } catch (err) {
    await puller.close();
    pullMonitor.close();
    await pusher.close();
    await scheduler.close();
    await store.close();
    await metrics.close();
    await db.close();
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
  const url = `${tls === undefined ? 'http' : 'https'}://${host}:${port}`;
  log.info({ url, auth: authMode.enabled ? 'on' : 'off' }, 'listening');
  await finetune.start();
  let node: NodeMembership | undefined;
  const bootstrapToken =
    authMode.enabled && (await auth.bootstrap.needed()) ? auth.bootstrap.token : undefined;
  if (bootstrapToken !== undefined) {
    log.warn({}, 'no accounts yet: create the first admin with the bootstrap token printed at start');
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info({}, 'shutting down');
      // Pulls first: their streams end (interrupted, resumable), so draining does not wait for downloads.
      await puller.close();
      pullMonitor.close(); // ends the console's event streams, which would otherwise hold the drain
      await pusher.close();
      await finetune.close(); // a running job is stopped and queued again, to resume at the next start
      await node?.drain(); // gateways stop routing here while the requests in flight finish
      await drain(server, config.shutdownGrace, () => {
        // Issue #10: requests still running after the grace end with a clear CANCELLED error line/status
        // instead of a cut connection.
        const running = inference.requests.list();
        for (const r of running) inference.requests.cancel(r.id, 'the server shutting down');
        if (running.length > 0)
          log.warn({ requests: running.length }, 'grace period over: requests cancelled');
      });
      await node?.close(); // marks the node `left`
      await scheduler.close();
      await store.close();
      await metrics.close();
      await db.close();
      log.info({}, 'stopped');
      log.flush();
    })());
  const reloadTls = () => {
    if (tls === undefined) throw new AppError('CONFIG_INVALID', 'TLS is not configured (CORRAL_TLS_CERT)');
    (server as HttpsServer).setSecureContext(readTlsFiles(config.tlsCert, config.tlsKey));
    log.info({ cert: config.tlsCert }, 'tls certificate reloaded');
  };
  if (config.role === 'node') {
    // Issue #7: only a listening node registers, so gateways never see a URL that does not answer yet.
    const membership = {
      home: config.home,
      name: config.nodeName,
      listenUrl: url,
      intervalMs: config.heartbeatInterval,
      report: createNodeReporter({ inference, scheduler, store, memory }),
      log,
    };
    if (config.joinUrl !== '' && authMode.enabled) {
      // Gateways do not forward their callers' credentials (docs/cluster.md, "Trust"), so relayed requests carry none.
      log.warn(
        {},
        'auth is on: requests relayed through the tunnel carry no credentials and will be refused',
      );
    }
    try {
      // Through a gateway and its tunnel (`--join`, nodes behind NAT), or straight into the shared database.
      node =
        config.joinUrl !== ''
          ? await joinThroughGateway({ ...membership, joinUrl: config.joinUrl, token: config.joinToken })
          : await joinCluster({ ...membership, cluster: db.cluster, url: config.nodeUrl });
    } catch (err) {
      await close();
      throw err;
    }
    log.info({ node: node.name, id: node.id, url: node.url }, 'cluster node joined');
    // Gateways route to a model once a heartbeat reports it: send one now, and answer the pull, create or delete
    // after it (at most a heartbeat interval later, so a slow database cannot hold the answer up for long).
    const joined = node;
    store.onChange(() =>
      Promise.race([
        joined.nudge(),
        new Promise<void>((r) => setTimeout(r, config.heartbeatInterval).unref()),
      ]),
    );
  }
  return { url, port, bootstrapToken, reloadTls, close, [Symbol.asyncDispose]: close };
}

function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
  tls: SecureContextOptions | undefined,
) {
  return new Promise<ServerType>((resolve, reject) => {
    const secure = tls === undefined ? {} : { createServer: createHttpsServer, serverOptions: tls };
    const server = serve({ fetch, hostname, port, ...secure }, () => resolve(server));
    server.once('error', reject);
  });
}

/**
 * Stop accepting connections, let in-flight requests finish for `graceMs` (`CORRAL_SHUTDOWN_GRACE`), then
 * `cancel` the rest, give them a moment to write their error, and cut what is left.
 */
async function drain(server: ServerType, graceMs: number, cancel: () => void): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  http.closeIdleConnections?.();
  let cut: NodeJS.Timeout | undefined;
  const grace = setTimeout(() => {
    cancel();
    cut = setTimeout(() => http.closeAllConnections?.(), CANCEL_FLUSH_MS);
  }, graceMs);
  await closed;
  clearTimeout(grace);
  clearTimeout(cut);
}
