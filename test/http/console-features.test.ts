/**
 * `GET /api/console/features`: the one console build learns which of its pages the server backs. A single server
 * (or node) backs every page but Cluster; a gateway backs Cluster, the model listings, chat and the accounts, and
 * manages no models. Public, like `/api/version`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFeatures, consolePages, type ConsoleFeatures } from '../../src/api/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { CORRAL_AUTH: 'on' } });
});
afterAll(async () => {
  await t?.close();
});

describe('console features', () => {
  it('answers a standalone server without credentials: every page but Cluster', async () => {
    const res = await t.app.request('/api/console/features');
    expect(res.status).toBe(200);
    const body = (await res.json()) as ConsoleFeatures;
    expect(body.role).toBe('standalone');
    expect(body.model_management).toBe(true);
    expect(body.pages).not.toContain('/cluster');
    expect(body.pages).toEqual(consolePages.filter((p) => p !== '/cluster'));
    const { version } = (await (await t.app.request('/api/version')).json()) as { version: string };
    expect(body.version).toBe(version);
  });

  it('gives a node the pages of a single server', () => {
    expect(consoleFeatures('node', '1.0.0')).toEqual({
      ...consoleFeatures('standalone', '1.0.0'),
      role: 'node',
    });
  });

  it('gives a gateway only the pages its API backs, and no model management', () => {
    const f = consoleFeatures('gateway', '1.0.0');
    expect(f.pages).toEqual([
      '/cluster',
      '/models',
      '/running',
      '/playground',
      '/keys',
      '/users',
      '/audit',
      '/login',
    ]);
    expect(f.model_management).toBe(false);
    // Every page it names is one the console has (and the server answers with index.html).
    for (const p of f.pages) expect(consolePages).toContain(p);
  });
});
