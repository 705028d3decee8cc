/**
 * `corral finetune`: create uploads the file, queues the job and follows it to the end (exit 0 and the model's
 * name on success, exit 1 and the reason on failure); list, show, logs, cancel and resume answer as documented.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { requireTorch, torchAvailable } from './torch.js';

requireTorch('fine-tuning CLI training test');

const dir = mkdtempSync(join(tmpdir(), 'corral-ft-cli-'));
const data = join(dir, 'pairs.jsonl');
writeFileSync(
  data,
  Array.from({ length: 4 }, (_, i) => JSON.stringify({ prompt: `q${i}`, completion: `a${i}` })).join('\n'),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serverWithTiny(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startTestServer(env);
  const r = await runCorral(['create', 'tiny', '-f', join(dir, 'Modelfile')], s.env, dir);
  expect(r.code).toBe(0);
  return s;
}

beforeAll(async () => {
  writeFileSync(join(dir, 'Modelfile'), `FROM ${await tinyModelPath()}\n`);
});

describe('corral finetune without a trainer', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithTiny({ CORRAL_PYTHON: '/nonexistent/python3' });
  }, 60_000);
  afterAll(() => s?.close());
  const corral = (...argv: string[]) => runCorral(argv, s.env, dir);

  it('follows a job to its failure and says why; list, show, logs and resume work on it', async () => {
    const r = await corral('finetune', 'create', 'tiny', 'pairs.jsonl', '--epochs', '1', '--batch-size', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Uploaded dataset pairs-\w+: 4 completion examples\./);
    const id = /Job ([0-9a-f-]{36}) queued: tiny → tiny-ft-/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect(r.stderr).toMatch(/Job [0-9a-f-]{36} failed: fine-tuning needs Python 3 with PyTorch/);

    const list = await corral('finetune', 'list');
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+tiny\\s+tiny-ft-\\S+\\s+failed`, 'm'));
    const show = await corral('finetune', 'show', id as string);
    expect(show.stdout).toMatch(/state\s+failed \(fine-tuning needs Python 3/);
    expect(show.stdout).toMatch(/"rank":8/);
    const logs = await corral('finetune', 'logs', id as string);
    expect(logs.stdout).toMatch(/job started/);
    expect(logs.stdout).toMatch(/job failed/);
    const resumed = await corral('finetune', 'resume', id as string);
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/queued again/);
    const cancel = await corral('finetune', 'cancel', id as string);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/only queued or running jobs can be cancelled/);
  });

  it('refuses bad arguments with usage errors', async () => {
    expect((await corral('finetune', 'create', 'tiny')).code).toBe(2);
    expect((await corral('finetune', 'create', 'tiny', 'missing.jsonl')).stderr).toMatch(
      /cannot read missing\.jsonl/,
    );
    const bad = await corral('finetune', 'create', 'tiny', 'pairs.jsonl', '--rank', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rank: Too small/);
    expect((await corral('finetune', 'show')).code).toBe(2);
  });
});

describe.skipIf(!torchAvailable)('corral finetune with the trainer', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await serverWithTiny();
  }, 60_000);
  afterAll(() => s?.close());

  it('trains with progress lines and ends with the new model, which runs', async () => {
    const corral = (...argv: string[]) => runCorral(argv, s.env, dir);
    const r = await corral(
      'finetune',
      'create',
      'tiny',
      'pairs.jsonl',
      '--name',
      'tuned',
      '--epochs',
      '5',
      '--batch-size',
      '2',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Fine-tuned model tuned is ready: corral run tuned/);
    // Without a terminal: one line per tenth of the run, each with the step, the bar and the loss.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('step '));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/^step 10\/10\s+▕█+▏ 100%\s+loss \d+\.\d{4}/);
    const run = await corral('run', 'tuned', 'q1');
    expect(run.code).toBe(0);
  }, 120_000);
});
