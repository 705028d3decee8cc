/** An app built over a real store in a temporary directory, for `app.request()` tests without sockets. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { loadConfig, type Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { ModelStore } from '../../src/store/index.js';

export interface TestApp {
  app: Hono;
  store: ModelStore;
  config: Config;
  home: string;
  /** `app.request` with a JSON body. */
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const home = mkdtempSync(join(tmpdir(), 'corral-app-'));
  const config = loadConfig({ env: { CORRAL_HOME: home, ...env } });
  const store = await ModelStore.open(config.models);
  const app = createApp({ config, store, log: silentLogger, version: '9.9.9-test' });
  return {
    app,
    store,
    config,
    home,
    json: async (method, path, body, headers = {}) =>
      app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    async close() {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
