/**
 * Issue #7, the console on a cluster gateway: two nodes and a gateway as real processes over one PostgreSQL
 * database, the gateway's console in headless Chromium. Signing in lands on the Cluster page, which lists both
 * nodes; a model deployed from the form is listed and loaded on the node that stores it; draining and undeploying
 * ask first; server errors show as messages; the navigation offers only what a gateway serves, the model pages are
 * read-only there, and a viewer sees the cluster without its actions. A single server's console has no Cluster
 * page. The page polls only while the tab is visible.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleFeatures } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import {
  createAdminKey,
  createModelOn,
  spawnGateway,
  spawnNode,
  killAll,
} from '../helpers/cluster-processes.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';
import { startTestServer } from '../helpers/test-server.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from './browser.js';

const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
if (!postgres.available)
  console.warn('cluster console test skipped: no test PostgreSQL (CORRAL_TEST_POSTGRES_URL)');
const chromium = chromiumAvailable();
const available = postgres.available && chromium;

/** Requests refused on purpose (before signing in, a bad deploy) are console errors in Chromium. */
const EXPECTED = [/status of 40[01]/];

let opened: OpenedTestDatabase;
let dir: string;
const nodes = new Map<string, ServerProcess>();
let gateway: ServerProcess;
let adminKey: string;
let browser: Browser;

async function createUser(name: string, role: string): Promise<void> {
  const res = await fetch(`${gateway.url}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, role, password: `${name} password` }),
  });
  if (res.status !== 201) throw new Error(`creating ${name} failed: ${res.status} ${await res.text()}`);
}

/** A fresh browser context signed in to the gateway's console as `name`. */
async function signIn(name: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: gateway.url, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page, EXPECTED);
  await page.goto('/');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(`${name} password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return { page, errors };
}

const navLinks = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

beforeAll(async () => {
  if (!available) return;
  opened = await postgres.open();
  const url = opened.options.url!;
  dir = mkdtempSync(join(tmpdir(), 'corral-console-cluster-'));
  adminKey = await createAdminKey(url);
  const cluster = { databaseUrl: url, dir, heartbeat: '500ms' };
  for (const [name, node] of await Promise.all(
    ['node-1', 'node-2'].map(async (name) => [name, await spawnNode(cluster, name)] as const),
  )) {
    nodes.set(name, node);
  }
  gateway = await spawnGateway(cluster, 'gw');
  await createModelOn(nodes.get('node-1')!, 'tiny', await tinyModelPath());
  await createUser('ada', 'admin');
  await createUser('vic', 'viewer');
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killAll([gateway, ...nodes.values()]);
  await opened?.cleanup();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(!available)('console on a cluster gateway', () => {
  let page: Page;
  let errors: string[];

  it('serves the console and says it is a gateway', async () => {
    const html = await fetch(`${gateway.url}/cluster`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<div id="app"></div>');
    const res = await fetch(`${gateway.url}/api/console/features`);
    expect(res.status).toBe(200);
    const features = (await res.json()) as ConsoleFeatures;
    expect(features).toMatchObject({ role: 'gateway', model_management: false });
    expect(features.pages).toContain('/cluster');
    expect(features.pages).not.toContain('/downloads');
  });

  it('signs in, lands on the Cluster page and offers only what a gateway serves', async () => {
    ({ page, errors } = await signIn('ada'));
    await page.waitForURL('**/cluster');
    expect(await navLinks(page)).toEqual([
      'Cluster',
      'Models',
      'Running',
      'Playground',
      'API keys',
      'Users',
      'Audit',
    ]);
    // A page the gateway cannot back sends the console to one it can.
    await page.goto('/downloads');
    await page.waitForURL('**/cluster');
  });

  it('lists the nodes, ready, with what they store', async () => {
    for (const name of ['node-1', 'node-2']) {
      const row = page.locator(`tr[data-node="${name}"]`);
      await expect
        .poll(() => row.locator('[data-testid="ready"]').textContent())
        .toMatch(/^\s*ready · [\d.]+s ago/);
      expect(await row.locator('[data-testid="state"]').textContent()).toBe('ready');
    }
    expect(await page.locator('tr[data-node="node-1"] td').nth(6).textContent()).toBe('1'); // stored models
    expect(await page.locator('tr[data-node="node-2"] td').nth(6).textContent()).toBe('0');
    await expect.poll(() => page.getByTestId('leader').count(), { timeout: 10_000 }).toBe(1);
  });

  it('shows a refused deploy as the server says it', async () => {
    const form = page.getByRole('form', { name: 'Deploy a model' });
    await form.getByLabel('Model').fill('../etc');
    await form.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('alert').filter({ hasText: "invalid model name '../etc'" }).waitFor();
  });

  it('deploys a model, lists the deployment and shows it loaded on its node', async () => {
    const form = page.getByRole('form', { name: 'Deploy a model' });
    await form.getByLabel('Model').fill('tiny');
    await form.getByLabel('Replicas').fill('1');
    await form.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText('Deployed tiny:latest with 1 replica.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0); // the earlier error is gone
    const deployment = page.locator('tr[data-deployment="tiny:latest"]');
    await deployment.waitFor();
    expect(await deployment.locator('td').nth(1).textContent()).toBe('1');
    // The leader loads it on node-1 (the node that stores it); the page sees it at its next polls.
    await expect
      .poll(() => deployment.locator('[data-testid="ready-replicas"]').textContent(), { timeout: 30_000 })
      .toBe('1 / 1');
    await expect
      .poll(() => page.locator('tr[data-node="node-1"] [data-testid="loaded"]').textContent(), {
        timeout: 10_000,
      })
      .toContain('tiny:latest · 0 active');
    await screenshot(page, 'cluster');
  }, 60_000);

  it('polls only while the tab is visible', async () => {
    let calls = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/cluster/nodes')) calls++;
    });
    // Headless tabs are always visible: make this one hidden the way a browser does when the tab is left.
    await page.evaluate(`
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => window.hidden ? 'hidden' : 'visible' });
      window.hidden = true;
      document.dispatchEvent(new Event('visibilitychange'));
    `);
    calls = 0;
    await new Promise((r) => setTimeout(r, 4_000)); // longer than the 3 s period
    expect(calls).toBe(0);
    await page.evaluate(`window.hidden = false; document.dispatchEvent(new Event('visibilitychange'));`);
    await expect.poll(() => calls, { timeout: 2_000 }).toBeGreaterThan(0); // at once, not after a period
  });

  it('drains a node after asking, and undrains it', async () => {
    const row = page.locator('tr[data-node="node-2"]');
    await row.getByRole('button', { name: 'Drain node-2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Drain node' });
    expect(await dialog.textContent()).toContain('Drain node-2?');
    await dialog.getByRole('button', { name: 'Drain' }).click();
    await page.getByText('node-2 is draining: it gets no new requests.').waitFor();
    // The gateway's node list is cached for a second: the row shows it by the next poll or two.
    await expect
      .poll(() => row.locator('[data-testid="state"]').textContent(), { timeout: 10_000 })
      .toBe('draining');
    expect(await row.locator('[data-testid="ready"]').textContent()).toMatch(/not ready/);
    expect(await row.getByRole('button', { name: 'Drain node-2' }).count()).toBe(0);

    // Undrain takes it back.
    await row.getByRole('button', { name: 'Undrain' }).click();
    await page.getByText('node-2 is ready again: it takes new requests.').waitFor();
    await expect
      .poll(() => row.locator('[data-testid="state"]').textContent(), { timeout: 10_000 })
      .toBe('ready');
  });

  it('shows the models read-only and the running ones with their node', async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    await page.locator('tr[data-model="tiny:latest"]').waitFor();
    expect(await page.getByRole('button', { name: 'Create model' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete tiny:latest' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Running' }).click();
    const running = page.locator('tr[data-model="tiny:latest"][data-node="node-1"]');
    await running.waitFor();
    expect(await running.locator('td').first().textContent()).toBe('node-1');
    expect(await page.getByRole('button', { name: 'Unload tiny:latest' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Load / extend' }).count()).toBe(0);
  });

  it('undeploys after asking', async () => {
    await page.getByRole('link', { name: 'Cluster' }).click();
    const deployment = page.locator('tr[data-deployment="tiny:latest"]');
    await deployment.getByRole('button', { name: 'Undeploy tiny:latest' }).click();
    await page
      .getByRole('dialog', { name: 'Undeploy model' })
      .getByRole('button', { name: 'Undeploy' })
      .click();
    await deployment.waitFor({ state: 'detached' });
    await page.getByText('Undeployed tiny:latest.').waitFor();
    expect(errors).toEqual([]);
  });

  it('shows a viewer the cluster without deploy, undeploy or drain', async () => {
    const viewer = await signIn('vic');
    await viewer.page.waitForURL('**/cluster');
    expect(await navLinks(viewer.page)).toEqual(['Cluster', 'Models', 'Running']);
    await viewer.page.locator('tr[data-node="node-1"]').waitFor();
    expect(await viewer.page.getByRole('form', { name: 'Deploy a model' }).count()).toBe(0);
    expect(await viewer.page.getByRole('button', { name: /^Drain / }).count()).toBe(0);
    expect(viewer.errors).toEqual([]);
    await viewer.page.context().close();
  });
});

describe.skipIf(!chromium)('console on a single server', () => {
  it('has no Cluster page', async () => {
    const s = await startTestServer();
    const own = browser ?? (await launchBrowser());
    try {
      const context = await own.newContext({ baseURL: s.server.url });
      const page = await context.newPage();
      const errors = watchPageErrors(page);
      await page.goto('/cluster');
      await page.waitForURL('**/models');
      const links = await navLinks(page);
      expect(links).toContain('Models');
      expect(links).toContain('Downloads');
      expect(links).not.toContain('Cluster');
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      if (own !== browser) await own.close();
      await s.close();
    }
  });
});
