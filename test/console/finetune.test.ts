/**
 * The console's Fine-tuning page in headless Chromium against a real server (auth off, loopback). The trainer is
 * a script standing in for Python (fake-trainer.ts), so this runs the same with or without PyTorch (a missing
 * `CORRAL_PYTHON` is not enough to make jobs fail: the server falls back to `python3`). A malformed dataset is
 * refused with its bad lines, a good one is uploaded and previewed; a job is created and followed over its event
 * stream (progress, live loss chart, failure with its reason, log) without a reload, resumed and deleted; a job
 * that succeeds offers the playground comparing base and fine-tuned model side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from './browser.js';
import { FAKE_FAILURE, FAKE_LOSSES, SUCCEED_SEED, writeFakeTrainer } from './fake-trainer.js';

const available = chromiumAvailable();

let s: TestServer;
let browser: Browser;
let page: Page;
let errors: string[];
let api: Client;
let dir: string;
const requests: string[] = [];

const PAIRS = Array.from({ length: 6 }, (_, i) => ({ prompt: `question ${i}`, completion: `answer ${i}` }));
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'corral-console-finetune-'));
  const base = await tinyModelPath();
  s = await startTestServer({ CORRAL_PYTHON: await writeFakeTrainer(dir, base) });
  api = new Client({ baseUrl: s.server.url });
  await api.create({ model: 'tiny', modelfile: `FROM ${base}\n` });
  browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: s.server.url, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // The malformed upload answers 400, which Chromium reports as a console error.
  errors = watchPageErrors(page, [/status of 400/]);
  page.on('request', (r: Request) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('web console fine-tuning', () => {
  it('refuses a malformed dataset by line, then uploads, previews and counts a good one', async () => {
    await page.goto('/');
    await page.getByRole('link', { name: 'Fine-tuning' }).click();
    await page.waitForURL('**/finetune');
    await page.getByText('No fine-tuning jobs yet.').waitFor();
    await page.getByRole('button', { name: 'New job' }).click();
    const form = page.getByRole('form', { name: 'New fine-tuning job' });
    await form.getByLabel('Base model').selectOption('tiny:latest');

    const file = form.getByLabel('Dataset file');
    const upload = form.getByRole('button', { name: 'Upload' });
    await file.setInputFiles({
      name: 'broken.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from('{"text":"a"}\n{"text":\n{"text":"c"}\n{"text"\n'),
    });
    expect(await form.getByLabel('Dataset name').inputValue()).toBe('broken');
    await upload.click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/line 2: not valid JSON.*line 4/s);
    await screenshot(page, 'finetune-bad-dataset');

    await file.setInputFiles({
      name: 'pairs.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from(jsonl(PAIRS)),
    });
    await upload.click();
    await form.getByText('Uploaded dataset pairs.').waitFor();
    expect(await alert.count()).toBe(0);
    const { datasets } = await api.datasets();
    expect(datasets.map((d) => d.name)).toEqual(['pairs']);
    expect(await form.locator('select[name="dataset"]').inputValue()).toBe(datasets[0]!.id);
    await form.getByTestId('dataset-summary').waitFor();
    expect(await form.getByTestId('dataset-summary').textContent()).toMatch(/^6 examples · completion/);
    const preview = form.getByRole('list', { name: 'First examples' });
    expect(await preview.locator('li').count()).toBe(5);
    expect(await preview.textContent()).toContain('question 0');

    await form.getByRole('button', { name: 'Count tokens' }).click();
    const stats = form.getByTestId('dataset-stats');
    await stats.waitFor();
    expect(await stats.textContent()).toMatch(/^\d+ tokens \(\d+ trained\) · longest \d+ · mean \d+$/);
    await screenshot(page, 'finetune-dataset');
  });

  it('creates a job and sees it fail with its reason over the event stream, without a reload', async () => {
    await page.evaluate('window.sameDocument = true');
    const form = page.getByRole('form', { name: 'New fine-tuning job' });
    await form.getByLabel('Output model').fill('tiny-tuned');
    await form.getByLabel('Rank').fill('4');
    await form.getByLabel('Epochs').fill('1');
    await form.getByLabel('Batch size').fill('2');
    await form.getByLabel('attn_q').check();
    await form.getByLabel('attn_v').check();
    await form.getByRole('button', { name: 'Start job' }).click();

    const row = page.locator('tr[data-job]', { hasText: 'tiny-tuned' });
    await row.waitFor();
    expect(await form.count()).toBe(0); // the form closes
    const details = page.getByTestId('job-details');
    const chart = details.getByTestId('loss-chart');
    const trainPoints = async () =>
      (await chart.count()) === 0
        ? 0
        : ((await chart.locator('polyline.train').getAttribute('points')) ?? '').split(' ').length;
    // Watch the curve grow while the job runs: each point is pushed as a `metric` event.
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          const state = await details.getByTestId('job-state').textContent();
          if (state === 'running') seen.add(await trainPoints());
          return state;
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe('failed');
    expect([...seen].filter((n) => n > 0 && n < FAKE_LOSSES.length).length).toBeGreaterThan(0);
    expect(await trainPoints()).toBe(FAKE_LOSSES.length);
    expect(await chart.locator('circle.validation').count()).toBe(2);
    expect(await chart.locator('svg').getAttribute('aria-label')).toBe(
      'Loss over steps 1 to 6, train loss 1.9 at step 6, validation loss 2.2 at step 6',
    );
    expect(await details.getByTestId('job-error').textContent()).toContain(FAKE_FAILURE);
    expect(await details.getByTestId('job-progress').textContent()).toMatch(
      /^step 6 \/ 6 · epoch 1 · loss 1\.9 · val loss 2\.2/,
    );
    expect(await row.locator('[data-state]').textContent()).toBe('failed');
    expect(await row.locator('td').nth(3).textContent()).toBe('6 / 6');
    expect(await row.locator('td').nth(4).textContent()).toBe('1.9');
    await expect
      .poll(() => details.getByTestId('job-log').textContent(), { timeout: 10_000 })
      .toContain('trainer started');

    // Empty fields were left out: the server's defaults apply.
    const { jobs } = await api.finetuneJobs();
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.settings).toMatchObject({
      rank: 4,
      alpha: 8,
      epochs: 1,
      batch_size: 2,
      learning_rate: 2e-4,
      lr_schedule: 'cosine',
      target_modules: ['attn_q', 'attn_v'],
    });
    expect(page.url()).toContain(`/finetune?job=${job.id}`);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(requests).toContain(`GET /api/finetune/jobs/${job.id}/events`);
    expect(requests).not.toContain(`GET /api/finetune/jobs/${job.id}`);
    await screenshot(page, 'finetune-failed');

    // The URL names the job: a reload shows it again (from the finished job's snapshot).
    await page.reload();
    await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout: 10_000 }).toBe('failed');
    await page.getByTestId('job-log').waitFor();
  });

  it('resumes the failed job and follows it to its next failure', async () => {
    const details = page.getByTestId('job-details');
    await details.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => details.getByTestId('job-attempts').textContent(), { timeout: 30_000 }).toBe('2');
    await expect
      .poll(() => details.getByTestId('job-state').textContent(), { timeout: 30_000 })
      .toBe('failed');
    await expect
      .poll(
        async () =>
          ((await details.getByTestId('job-log').textContent()) ?? '').split('job started').length - 1,
      )
      .toBe(2);
    expect((await api.finetuneJobs()).jobs[0]).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('deletes the job after confirming', async () => {
    await page.getByRole('button', { name: 'Delete job tiny-tuned' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete job' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted the job.').waitFor();
    await page.locator('tr[data-job]').first().waitFor({ state: 'detached' });
    expect(await page.getByTestId('job-details').count()).toBe(0);
    expect((await api.finetuneJobs()).jobs).toEqual([]);
    expect(page.url()).toMatch(/\/finetune$/);
  });

  it('offers a succeeded job side by side with its base model in the playground', async () => {
    await page.getByRole('button', { name: 'New job' }).click();
    const form = page.getByRole('form', { name: 'New fine-tuning job' });
    await form.getByLabel('Base model').selectOption('tiny:latest');
    await form.locator('select[name="dataset"]').selectOption({ label: 'pairs (6 examples, completion)' });
    await form.getByLabel('Output model').fill('tiny-tuned');
    await form.getByLabel('Batch size').fill('2');
    await form.getByLabel('Seed').fill(String(SUCCEED_SEED));
    await form.getByRole('button', { name: 'Start job' }).click();
    const details = page.getByTestId('job-details');
    await expect
      .poll(() => details.getByTestId('job-state').textContent(), { timeout: 30_000 })
      .toBe('succeeded');
    expect(await details.getByTestId('job-error').count()).toBe(0);
    expect((await api.list()).models.map((m) => m.name)).toContain('tiny-tuned:latest');
    // A succeeded job is finished: it can be deleted, not cancelled or resumed.
    expect(await details.getByRole('button', { name: 'Delete job tiny-tuned' }).count()).toBe(1);
    expect(await details.getByRole('button', { name: /^(Cancel|Resume)$/ }).count()).toBe(0);
    await screenshot(page, 'finetune-succeeded');

    await details.getByRole('link', { name: 'Compare in playground' }).click();
    await page.waitForURL('**/playground?model=tiny%3Alatest&compare=tiny-tuned%3Alatest');
    await expect.poll(() => page.getByLabel('Model A').inputValue(), { timeout: 10_000 }).toBe('tiny:latest');
    expect(await page.getByLabel('Model B').inputValue()).toBe('tiny-tuned:latest');
    expect(await page.getByLabel('Compare two models').isChecked()).toBe(true);
    expect(errors).toEqual([]);
  });
});
