/**
 * Composition of `corral gateway`: the shared PostgreSQL database, the same auth services and middleware as the
 * server (keys and sessions live in the database, so every gateway accepts and refuses the same ones), the node
 * directory, breaker and router, the web console (the server's build and asset routes, with the gateway's pages)
 * and an HTTP listener. Gateways hold no state that another gateway needs.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { authServicesFromSettings, resolveAuthMode } from '../../auth/index.js';
import { redactConfig, type Config } from '../../config/index.js';
import { AppError, type Logger } from '../../core/index.js';
import { openDatabase } from '../../db/index.js';
import { consoleFeatures } from '../../api/index.js';
import {
  accountRoutes,
  CONSOLE_DIR,
  consoleRoutes,
  createAppBase,
  gatewayRouteTable,
} from '../../http/index.js';
import { GatewayMetrics, Metrics } from '../../metrics/index.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { loadClusterSecret } from '../cluster-secret.js';
import { ClusterController } from '../controller/index.js';
import { LeaderLease } from '../leader-lease.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { clusterRoutes } from './cluster-routes.js';
import { gatewayRoutes } from './gateway-routes.js';
import { mountTunnels } from './gateway-tunnels.js';
import { NodeDirectory } from './node-directory.js';
import { NodeClaims } from './node-claims.js';
import { NodeRouter } from './node-router.js';

/** A listening gateway. */
export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Test hooks of {@link startGateway}. */
export interface StartGatewayOptions {
  /** The controller's tick period (ms); default 1000. */
  controllerIntervalMs?: number;
  /** How often the leader checks its lock session is alive (ms); default 5000. */
  leaderCheckMs?: number;
  /** The built web console; default the one `corral serve` serves (`dist/web`). */
  consoleDir?: string;
}

/** How long a gateway reuses a verified API key before asking the database again. */
const KEY_CACHE_MS = 1000;

/** Missed heartbeats after which a node is not ready. */
const STALE_HEARTBEATS = 3;

export async function startGateway(
  config: Config,
  log: Logger,
  version: string,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  if (config.databaseUrl === '') {
    throw new AppError(
      'CONFIG_INVALID',
      'corral gateway needs CORRAL_DATABASE_URL: cluster state lives in the shared PostgreSQL database',
    );
  }
  log.info({ version, config: redactConfig(config) }, 'starting gateway');
  const authMode = resolveAuthMode({ ...config, hostname: config.host.hostname });
  if (authMode.warning !== undefined) log.warn({}, authMode.warning);
  const db = await openDatabase({ url: config.databaseUrl, log: log.child({ component: 'db' }) });
  // A verified key is reused for a second: revocation through another gateway takes effect within that.
  const auth = authServicesFromSettings(config, {
    enabled: authMode.enabled,
    db,
    log: log.child({ component: 'auth' }),
    keyCacheMs: KEY_CACHE_MS,
  });
  // Shared by every gateway: sent with calls to relay URLs, signs relay tickets (nodes behind NAT).
  const clusterSecret = await loadClusterSecret(db.settings);
  const metrics = new Metrics({ nodeLoad: false });
  const directory = new NodeDirectory({
    cluster: db.cluster,
    staleAfterMs: STALE_HEARTBEATS * config.heartbeatInterval,
  });
  const breaker = new CircuitBreaker();
  // Forwarding counted as it happens; in-flight, breakers, ready nodes and leadership read when scraped.
  const forwarding = new GatewayMetrics(metrics.registry, {
    nodes: () => directory.nodes(),
    inFlight: (id): number => router.inFlight(id),
    breakerState: (id) => breaker.state(id),
    isLeader: (): boolean => controller.isLeader,
    log: log.child({ component: 'metrics' }),
  });
  const router = new NodeRouter({
    directory,
    breaker,
    log: log.child({ component: 'router' }),
    observer: forwarding,
    clusterSecret,
    pullOnDemand: config.pullOnDemand,
  });
  const httpLog = log.child({ component: 'http' });
  const app = createAppBase({ config, log: httpLog, auth, metrics, routes: gatewayRouteTable });
  app.get('/api/version', (c) => c.json({ version }));
  // The same console as the server's; `/api/console/features` tells it to show the gateway's pages only.
  const features = consoleFeatures('gateway', version);
  app.route('/', consoleRoutes({ consoleDir: options.consoleDir ?? CONSOLE_DIR, features }));
  // Every gateway runs a controller; the one holding the advisory lock leads (started once listening).
  const lease = new LeaderLease({
    url: config.databaseUrl,
    holder: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    cluster: db.cluster,
    log,
    checkIntervalMs: options.leaderCheckMs,
  });
  const controller = new ClusterController({
    lease,
    cluster: db.cluster,
    directory,
    log,
    intervalMs: options.controllerIntervalMs,
    clusterSecret,
  });
  app.route(
    '/',
    gatewayRoutes({
      db,
      directory,
      router,
      breaker,
      log: httpLog,
      clusterSecret,
    }),
  );
  const tunnels = mountTunnels({
    app,
    cluster: db.cluster,
    claims: new NodeClaims({ cluster: db.cluster, apiKeys: db.apiKeys, users: db.users }),
    directory,
    auth,
    secret: clusterSecret,
    gatewayUrl: config.gatewayUrl,
    pingIntervalMs: config.heartbeatInterval,
    log: log.child({ component: 'tunnels' }),
  });
  app.route('/', clusterRoutes({ cluster: db.cluster, directory, controller }));
  app.route('/', accountRoutes({ auth }));
  app.get('/metrics', async (c) =>
    c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType }),
  );

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host.hostname, port: config.host.port }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
  } catch (err) {
    await metrics.close();
    await db.close();
    throw new AppError(
      'LISTEN_FAILED',
      `cannot listen on ${config.host.hostname}:${config.host.port}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.hostname.includes(':') ? `[${config.host.hostname}]` : config.host.hostname;
  const url = `http://${host}:${port}`;
  log.info({ url, auth: authMode.enabled ? 'on' : 'off' }, 'gateway listening');
  tunnels.listening(server, url);
  controller.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const http = server as ServerType & {
        closeIdleConnections?: () => void;
        closeAllConnections?: () => void;
      };
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      http.closeIdleConnections?.();
      const cut = setTimeout(() => http.closeAllConnections?.(), config.shutdownGrace);
      await tunnels.close(config.shutdownGrace); // upgraded sockets would hold `closed` open
      await closed;
      clearTimeout(cut);
      router.close();
      await controller.close();
      await metrics.close();
      await db.close();
      log.info({}, 'gateway stopped');
    })());
  return { url, port, close, [Symbol.asyncDispose]: close };
}
