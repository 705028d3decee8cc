/**
 * Killing the server mid-job (SIGKILL: no shutdown code runs) takes the trainer down with it (it watches its
 * stdin), and the next start resumes the job from its last checkpoint to success, leaving no partial files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, type FinetuneJobDetails } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { requireTorch, torchAvailable } from './torch.js';

requireTorch('fine-tuning restart test');

/** Pids of processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n), `${prefix}${n}/`) : [`${prefix}${n}`],
  );
}

describe.skipIf(!torchAvailable)('fine-tuning across a server crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'corral-ft-restart-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('resumes from the last checkpoint after SIGKILL and leaves no partial files', async () => {
    server = await spawnServer({ CORRAL_HOME: home });
    let client = new Client({ baseUrl: server.url });
    await client.create({ model: 'tiny', modelfile: `FROM ${await tinyModelPath()}` });
    const content = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({ prompt: `q${i}`, completion: `a${i}` }),
    );
    await client.createDataset({ name: 'd', content: content.join('\n') });
    const job = await client.createFinetuneJob({
      model: 'tiny',
      dataset: 'd',
      name: 'tiny-resumed',
      epochs: 60,
      batch_size: 2,
      learning_rate: 0.005,
      checkpoint_every: 10,
    });
    const work = join(home, 'finetune', 'work', job.id);

    await expect
      .poll(async () => (await client.finetuneJob(job.id)).checkpoint_step ?? 0, {
        timeout: 60_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(10);
    const before = await client.finetuneJob(job.id);
    expect(before.state).toBe('running');
    expect(processesMentioning(work).length).toBeGreaterThan(0);
    server.child.kill('SIGKILL');
    await server.exited;
    // The trainer sees its stdin close and exits: no orphan keeps training (or writing) with nobody watching.
    await expect.poll(() => processesMentioning(work), { timeout: 10_000 }).toEqual([]);

    server = await spawnServer({ CORRAL_HOME: home });
    client = new Client({ baseUrl: server.url });
    let done: FinetuneJobDetails | undefined;
    await expect
      .poll(
        async () => {
          done = await client.finetuneJob(job.id);
          return done.state;
        },
        { timeout: 120_000, interval: 250 },
      )
      .toBe('succeeded');
    expect(done?.attempts).toBe(2);
    expect(done?.progress.step).toBe(done?.progress.total_steps);
    const { lines } = await client.finetuneLogs(job.id);
    const resumed = lines.find((l) => l.includes('trainer started') && l.includes('resumedFrom='));
    expect(resumed).toBeDefined();
    expect(Number(/resumedFrom=(\d+)/.exec(resumed ?? '')?.[1])).toBeGreaterThanOrEqual(10);

    const { models } = await client.list();
    expect(models.map((m) => m.name)).toContain('tiny-resumed:latest');
    expect(filesUnder(join(home, 'finetune', 'work'))).toEqual([]);
    expect(filesUnder(join(home, 'finetune')).filter((f) => f.includes('tmp'))).toEqual([]);
  }, 240_000);
});
