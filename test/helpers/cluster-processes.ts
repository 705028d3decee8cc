/**
 * Cluster processes for tests and benchmarks: an admin key written straight into the shared database (gateways
 * run with auth on and no bootstrap), nodes (`corral serve` with CORRAL_ROLE=node; auth off, as nodes trust
 * their gateways on a private network, docs/cluster.md) and gateways (`corral gateway`).
 */
import { join } from 'node:path';
import { authServicesFromSettings } from '../../src/auth/index.js';
import { silentLogger } from '../../src/core/index.js';
import { openDatabase } from '../../src/db/index.js';
import { spawnServer, type ServerProcess } from './server-process.js';

/** Creates an admin API key in the database at `url` and returns its token. */
export async function createAdminKey(url: string, name = 'admin'): Promise<string> {
  const db = await openDatabase({ url, log: silentLogger });
  try {
    const services = authServicesFromSettings(
      { rateLimit: 0, maxConcurrentPerKey: 0, sessionTtl: 60_000 },
      { enabled: true, db, log: silentLogger },
    );
    return (await services.accounts.createKey({ name, role: 'admin' })).token;
  } finally {
    await db.close();
  }
}

export interface ClusterEnv {
  /** The shared PostgreSQL database. */
  databaseUrl: string;
  /** Folder the processes' homes go under. */
  dir: string;
  heartbeat: string;
}

/** Starts node `name` (home `<dir>/<name>`), one thread, with `env` on top. */
export function spawnNode(
  c: ClusterEnv,
  name: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return spawnServer({
    CORRAL_DATABASE_URL: c.databaseUrl,
    CORRAL_HEARTBEAT_INTERVAL: c.heartbeat,
    CORRAL_ROLE: 'node',
    CORRAL_NODE_NAME: name,
    CORRAL_HOME: join(c.dir, name),
    CORRAL_AUTH: 'off',
    CORRAL_THREADS: '1',
    ...env,
  });
}

/** Starts gateway `name` (home `<dir>/<name>`), auth on unless `env` says otherwise. */
export function spawnGateway(
  c: ClusterEnv,
  name: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return spawnServer(
    {
      CORRAL_DATABASE_URL: c.databaseUrl,
      CORRAL_HEARTBEAT_INTERVAL: c.heartbeat,
      CORRAL_HOME: join(c.dir, name),
      CORRAL_AUTH: 'on',
      ...env,
    },
    30_000,
    'gateway',
  );
}

/** Creates `model` from the GGUF at `path` on a node (no auth). */
export async function createModelOn(node: ServerProcess, model: string, path: string): Promise<void> {
  const res = await fetch(`${node.url}/api/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, modelfile: `FROM ${path}\n`, stream: false }),
  });
  if (res.status !== 200) throw new Error(`create ${model} on ${node.url} failed: ${await res.text()}`);
}

/** Kills whatever of `procs` still runs (resumed first, in case a test stopped it) and waits for each to exit. */
export async function killAll(procs: ReadonlyArray<ServerProcess | undefined>): Promise<void> {
  for (const p of procs) {
    if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
}
