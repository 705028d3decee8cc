/**
 * The console with auth on, in headless Chromium: the first admin is created through the bootstrap form,
 * sessions are HttpOnly cookies, an API key is shown once, works, and stops working once revoked; users and the
 * audit log are listed; logging out returns to the login page and logging in again works.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from './browser.js';

const available = chromiumAvailable();

let s: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  if (!available) return;
  s = await startTestServer({ CORRAL_AUTH: 'on' });
  browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: s.server.url, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  // Requests made before signing in answer 401, which Chromium reports as console errors.
  errors = watchPageErrors(page, [/status of 401/]);
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const tags = (key: string) =>
  fetch(`${s.server.url}/api/tags`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

describe.skipIf(!available)('web console accounts (auth on)', () => {
  it('creates the first admin through the bootstrap form and signs in', async () => {
    await page.goto('/models');
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);
    await screenshot(page, 'login-bootstrap');
    await page.getByLabel('Bootstrap token').fill(s.server.bootstrapToken!);
    await page.getByLabel('User name').fill('root');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByTestId('who').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('root');
    await page.waitForURL('**/models');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'corral_session')?.httpOnly).toBe(true);
    expect(await page.evaluate('document.cookie')).not.toContain('corral_session');
  });

  it('creates an API key, shows it once, and revokes it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('ci-bot');
    await page.getByLabel('Role').selectOption('user');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('New API key');
    await secret.waitFor();
    const key = await secret.inputValue();
    expect(key.length).toBeGreaterThan(20);
    expect(await tags(key)).toBe(200);
    await screenshot(page, 'keys');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('New API key').count()).toBe(0); // shown once only

    const row = page.locator('tr[data-key="ci-bot"]');
    await row.getByRole('button', { name: 'Revoke ci-bot' }).click();
    await page.getByRole('dialog', { name: 'Revoke key' }).getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await tags(key)).toBe(401);
  });

  it('manages users and shows the audit log', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Name').fill('olive');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Password').fill('olive password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr[data-user="olive"]').waitFor();
    await screenshot(page, 'users');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('cell', { name: 'key.revoke' }).waitFor();
    expect(await page.getByRole('cell', { name: 'key.create' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'audit');
  });

  it('logs out and in again; a lesser role sees fewer pages', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Corral' }).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === 'corral_session')).toBeUndefined();
    await screenshot(page, 'login');

    await page.getByLabel('User name').fill('olive');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();

    await page.getByLabel('Password').fill('olive password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    const nav = page.getByRole('navigation');
    expect(await nav.getByRole('link', { name: 'Profiles' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0); // operators are not admins
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Corral' }).waitFor();
    expect(errors.filter((e) => !/40[13]/.test(e))).toEqual([]);
  });
});
