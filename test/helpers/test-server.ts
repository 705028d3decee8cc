/** Starts a real Corral server on a free loopback port with its own temporary home. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface TestServer {
  server: RunningServer;
  config: Config;
  home: string;
  /** Environment for the CLI and child processes: CORRAL_HOST and CORRAL_HOME of this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'corral-server-'));
  const config = loadConfig({
    env: { CORRAL_HOME: home, CORRAL_HOST: '127.0.0.1:0', CORRAL_LOG_LEVEL: 'warn', ...env },
  });
  const server = await startServer(config);
  return {
    server,
    config,
    home,
    env: { CORRAL_HOST: `127.0.0.1:${server.port}`, CORRAL_HOME: home },
    async close() {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
