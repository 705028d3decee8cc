/**
 * Headless Chromium for the console tests, through playwright-core and Debian's `chromium` package (installed by
 * .ci/run). Without it the tests are skipped with the reason printed, unless CORRAL_TEST_REQUIRE_CHROMIUM=1
 * (CI), which fails them instead.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CORRAL_TEST_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.CORRAL_TEST_REQUIRE_CHROMIUM === '1';

/** Whether the console tests can run; prints why not (or throws when Chromium is required). */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `${CHROMIUM} not found (apt-get install chromium)`;
  if (required) throw new Error(`CORRAL_TEST_REQUIRE_CHROMIUM=1 but ${reason}`);
  console.warn(`console tests skipped: ${reason}`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Containers run tests as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

const RESULTS = 'test-results';

/** Save a full-page screenshot as test-results/console-<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `console-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Fail the test on uncaught page errors and console errors (other than expected failed requests). */
export function watchPageErrors(page: Page, allow: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!allow.some((re) => re.test(text))) errors.push(`console: ${text}`);
  });
  return errors;
}
