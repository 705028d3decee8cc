/**
 * A real cluster gateway (`startGateway`, in-process, auth off on loopback) over a fresh test PostgreSQL database,
 * shaped like a `TestApp` whose `app.request` goes over HTTP: the fuzz suite sends it the same hostile requests
 * as the server's app. Without PostgreSQL it says why it is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../src/cluster/index.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { testDatabases } from './test-databases.js';

export interface GatewayFuzzTarget {
  /** Set when there is no gateway to fuzz (no test PostgreSQL). */
  skipped?: string;
  target: { app: { request: (path: string, init: RequestInit) => Promise<Response> } };
  close(): Promise<void>;
}

export async function gatewayFuzzTarget(): Promise<GatewayFuzzTarget> {
  const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
  const unavailable = {
    skipped: 'no test PostgreSQL (CORRAL_TEST_POSTGRES_URL): the gateway needs one',
    target: { app: { request: () => Promise.reject(new Error('no gateway')) } },
    close: () => Promise.resolve(),
  };
  if (!postgres.available) return unavailable;
  const opened = await postgres.open();
  const home = mkdtempSync(join(tmpdir(), 'corral-fuzz-gateway-'));
  const config = loadConfig({
    env: {
      CORRAL_DATABASE_URL: opened.options.url,
      CORRAL_HOST: '127.0.0.1:0',
      CORRAL_HOME: home,
      CORRAL_AUTH: 'off',
    },
  });
  const gateway = await startGateway(config, silentLogger, 'fuzz');
  return {
    target: {
      app: { request: (path, init) => fetch(`${gateway.url}${path}`, init) },
    },
    async close() {
      await gateway.close();
      await opened.cleanup();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
