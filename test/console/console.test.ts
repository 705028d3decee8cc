/**
 * The built web console in headless Chromium against a real server (auth off, loopback): models, a pull from a
 * local registry watched to 100% over the event stream, streaming chat in the playground, a profile created and
 * used as a model, unloading a running model, and the system and logs pages. Each page is saved as a screenshot
 * under test-results/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from './browser.js';

const available = chromiumAvailable();

let s: TestServer;
let registry: TestRegistry;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let api: Client;

beforeAll(async () => {
  if (!available) return;
  s = await startTestServer({ CORRAL_PULL_PARTS: '1' });
  api = new Client({ baseUrl: s.server.url });
  // EOS never wins, so every answer runs to num_predict tokens: long enough to see it stream.
  const path = await tinyModelPath({ eos: 'never' });
  await api.create({ model: 'tiny', modelfile: `FROM ${path}\nPARAMETER num_predict 24\n` });
  registry = await startRegistry({ throttle: 200 * 1024 });
  // Other weights than `tiny`, so that the pull downloads the model layer instead of finding it stored.
  const other = await tinyModelPath({ eos: 'never', seed: 7 });
  await registry.addModel('console/tiny:latest', [
    { mediaType: 'application/vnd.ollama.image.model', data: readFileSync(other) },
    { mediaType: 'application/vnd.ollama.image.system', data: 'You are pulled.' },
  ]);
  browser = await launchBrowser();
  context = await browser.newContext({ baseURL: s.server.url, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  errors = watchPageErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
  await registry?.close();
});

describe.skipIf(!available)('web console (auth off)', () => {
  it('serves the console and lists models with details', async () => {
    await page.goto('/');
    await page.waitForURL('**/models');
    const row = page.locator('tr[data-model="tiny:latest"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('llama');
    await screenshot(page, 'models');
    await row.getByRole('button', { name: 'tiny:latest', exact: true }).click();
    const drawer = page.getByRole('dialog', { name: 'tiny:latest' });
    await drawer.getByRole('heading', { name: 'Modelfile' }).waitFor();
    expect(await drawer.locator('pre').first().textContent()).toContain('num_predict');
    await screenshot(page, 'model-details');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('pulls a model from a registry and follows its progress to 100%', async () => {
    await page.getByRole('link', { name: 'Downloads' }).click();
    await page.getByText('Live').waitFor();
    await page.getByLabel('Model', { exact: true }).fill(`${registry.host}/console/tiny`);
    await page.getByLabel('Plain HTTP registry').check();
    await page.getByRole('button', { name: 'Pull' }).click();
    const pull = page.locator('section[data-pull*="console/tiny"]');
    await pull.waitFor();
    // Mid-way (the registry is throttled): per-layer bars and a speed are shown.
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          seen.add((await pull.locator('[data-percent]').textContent()) ?? '');
          return pull.locator('[data-state]').textContent();
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe('done');
    expect(await pull.locator('[data-percent]').textContent()).toBe('100%');
    expect(seen.size).toBeGreaterThan(1); // progress moved while we watched
    expect(await pull.locator('.layer').count()).toBeGreaterThanOrEqual(1); // per-layer bars
    await screenshot(page, 'downloads');
    const { models } = await api.list();
    expect(models.map((m) => m.name)).toContain(`${registry.host}/console/tiny:latest`);
  });

  it('streams a chat answer in the playground, with timing, kept across a reload', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Model', { exact: true }).selectOption('tiny:latest');
    // Count DOM updates of the answer: a streamed answer arrives in several.
    // (Strings, not functions: these run in the page, and the test project has no DOM types.)
    await page.evaluate(`
      window.updates = 0;
      new MutationObserver(() => window.updates++).observe(document.querySelector('.panes'), {
        subtree: true, childList: true, characterData: true,
      });
    `);
    await page.getByLabel('Message').fill('Hello there');
    await page.getByLabel('Message').press('Enter');
    const stats = page.getByTestId('stats');
    await stats.waitFor({ timeout: 60_000 });
    expect(await stats.textContent()).toMatch(/^24 tokens · [\d.]+ tok\/s · [\d.]+ s total/);
    expect((await page.getByTestId('assistant').textContent())!.length).toBeGreaterThan(0);
    expect(await page.evaluate('window.updates')).toBeGreaterThan(3);
    await screenshot(page, 'playground');
    await page.reload();
    await page.getByTestId('stats').waitFor();
    expect(await page.locator('.turn.user').textContent()).toContain('Hello there');
  });

  it('stops a generation and compares two models side by side', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Max tokens').fill('4000');
    await page.getByLabel('Message').fill('Go on');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.turn.assistant .error', { hasText: 'stopped' }).waitFor();
    await page.getByLabel('Max tokens').fill('24');
    await page.getByRole('button', { name: 'Settings' }).click();

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Compare two models').check();
    await page.getByLabel('Model B').selectOption(`${registry.host}/console/tiny:latest`);
    await page.getByLabel('Message').fill('Compare');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByTestId('stats').count(), { timeout: 60_000 }).toBe(2);
    await screenshot(page, 'playground-compare');
    await page.getByLabel('Compare two models').uncheck();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Max tokens').fill('');
    await page.getByRole('button', { name: 'Settings' }).click();
  });

  it('renders model output as sanitized Markdown', async () => {
    const evil = [
      '**bold** and `code`',
      '<img src="x" onerror="window.pwned = 1">',
      '<script>window.pwned = 2</script>',
      '[click](javascript:window.pwned=3) <a href="https://example.com" onclick="window.pwned=4">ok</a>',
    ].join('\n\n');
    const state = {
      models: ['tiny:latest', ''],
      compare: false,
      system: '',
      options: {},
      turns: [
        [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: evil },
        ],
        [],
      ],
    };
    await page.evaluate(
      `localStorage.setItem('corral.playground', ${JSON.stringify(JSON.stringify(state))})`,
    );
    await page.reload();
    const answer = page.getByTestId('assistant');
    await answer.locator('strong').waitFor();
    const html = await answer.innerHTML();
    expect(html).not.toMatch(/<script|onerror|onclick|javascript:/i);
    expect(await answer.locator('a[href="https://example.com"]').getAttribute('rel')).toBe(
      'noopener noreferrer',
    );
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    await page.getByRole('button', { name: 'Clear' }).click();
    // Expected noise: the server's CSP reports the handlers DOMPurify parsed (in an inert document, never run),
    // and the harmless <img src="x"> answers 404.
    const expected = /Content Security Policy|status of 404/;
    errors.splice(0, errors.length, ...errors.filter((e) => !expected.test(e)));
  });

  it('creates a profile and chats with it as a model', async () => {
    await page.getByRole('link', { name: 'Profiles' }).click();
    await page.getByRole('button', { name: 'New profile' }).click();
    const dialog = page.getByRole('dialog', { name: 'New profile' });
    await dialog.getByLabel('Name').fill('brief');
    await dialog.getByLabel('Model').selectOption('tiny:latest');
    await dialog.getByLabel('System prompt').fill('Answer briefly.');
    await dialog.getByLabel('Max tokens').fill('5');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-profile="brief"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('num_predict=5');
    const stored = await api.profiles();
    expect(stored.profiles).toMatchObject([
      { name: 'brief', model: 'tiny:latest', system: 'Answer briefly.' },
    ]);
    await row.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByRole('dialog', { name: 'New profile' }).getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-profile="brief-copy"]').waitFor();
    await screenshot(page, 'profiles');

    await row.getByRole('link', { name: 'Chat' }).click();
    await page.waitForURL('**/playground?model=profile%3Abrief');
    await expect
      .poll(() => page.locator('select[name="model-0"]').inputValue(), { timeout: 10_000 })
      .toBe('profile:brief');
    await page.getByLabel('Message').fill('Hi');
    await page.getByLabel('Message').press('Enter');
    const stats = page.getByTestId('stats');
    await stats.waitFor({ timeout: 60_000 });
    expect(await stats.textContent()).toMatch(/^5 tokens/); // the profile's num_predict applied
  });

  it('shows the running model and unloads it', async () => {
    await page.getByRole('link', { name: 'Running' }).click();
    const row = page.locator('tr[data-model="tiny:latest"]');
    await row.waitFor();
    expect(await row.locator('td').nth(3).textContent()).toMatch(/^\d+$/);
    await screenshot(page, 'running');
    await row.getByRole('button', { name: 'Unload tiny:latest' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await api.ps()).models.map((m) => m.name)).not.toContain('tiny:latest');
  });

  it('shows system status and logs, and switches theme', async () => {
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByTestId('version').waitFor();
    expect(await page.getByTestId('version').textContent()).toBe((await api.version()).version);
    await screenshot(page, 'system');
    await page.getByRole('link', { name: 'Logs' }).click();
    // The test server logs at `warn`: show that level (the ring keeps what the logger writes).
    await page.getByLabel('Level').selectOption('warn');
    await page.locator('table tbody tr, .empty').first().waitFor();
    await screenshot(page, 'logs');
    const before = await page.evaluate('document.documentElement.dataset.theme');
    await page.getByRole('button', { name: /Switch to (light|dark) theme/ }).click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).not.toBe(before);
    await screenshot(page, 'logs-other-theme');
    expect(errors).toEqual([]);
  });
});
