/**
 * Graceful shutdown of a real `corral serve` (docs/reliability.md §Shutdown): on SIGTERM new connections are
 * refused at once, a generation that ends within `CORRAL_SHUTDOWN_GRACE` completes normally, one still running
 * after it ends with a clear "shutting down" error line, runners exit, and the process exits 0. A second
 * SIGTERM forces exit 130 (src/cli/main.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { runnerPids, report, until, within } from './chaos.js';
import { lastLine, openStream } from './streams.js';

// Short on purpose: a generation of the tiny model stops at its context length (~2k tokens, a few seconds on
// one thread), so the "long" request must still be running when the grace ends.
const GRACE_MS = 1_500;
let home: string;
let modelPath: string;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether a fresh TCP connection to `port` is accepted. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function startWithModel(): Promise<{ server: ServerProcess; pid: number; tokensPerSecond: number }> {
  const server = await spawnServer({
    CORRAL_HOME: home,
    CORRAL_SHUTDOWN_GRACE: `${GRACE_MS}ms`,
    CORRAL_NUM_PARALLEL: '2',
    CORRAL_THREADS: '1',
  });
  const client = new Client({ baseUrl: server.url });
  await client.create({ model: 'tiny', modelfile: `FROM ${modelPath}\n` });
  // Calibrate on the wall clock of a streamed generation, as the requests below will run.
  const started = Date.now();
  const warm = await openStream(server.url, '/api/generate', {
    model: 'tiny',
    prompt: 'hi',
    options: { num_predict: 2000, temperature: 0 },
  });
  const done = lastLine(await warm.text);
  expect(done).toMatchObject({ done: true });
  const tokensPerSecond = Number(done.eval_count) / ((Date.now() - started) / 1000);
  expect((await client.ps()).models).toHaveLength(1);
  // The runner's pid: the server's only runner process.
  const pids = runnerPids(server.child.pid!);
  expect(pids).toHaveLength(1);
  return { server, pid: pids[0]!, tokensPerSecond };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'corral-chaos-shutdown-'));
  modelPath = await tinyModelPath({ eos: 'never' });
}, 120_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('refuses new connections, finishes short requests, cancels long ones after the grace, exits 0', async () => {
    const { server, pid, tokensPerSecond } = await startWithModel();
    // One generation well inside the grace, one that runs to the context length (seconds).
    // With two generations sharing one thread each runs at about half speed: ~0.5 s of tokens takes ~1 s.
    const shortTokens = Math.max(20, Math.round(tokensPerSecond * 0.5));
    const short = await openStream(server.url, '/api/generate', {
      model: 'tiny',
      prompt: 'a',
      options: { num_predict: shortTokens, temperature: 0 },
    });
    const long = await openStream(server.url, '/api/generate', {
      model: 'tiny',
      prompt: 'b',
      options: { num_predict: 10_000_000, temperature: 0 },
    });
    await Promise.all([short.first, long.first]);
    let shortEnded = false;
    void short.text.then(() => (shortEnded = true));

    const t0 = Date.now();
    expect(shortEnded, 'the short generation is still running at SIGTERM').toBe(false);
    server.child.kill('SIGTERM');
    await until(async () => !(await accepts(server.port)), 2_000, 'the listener to close');
    const refusedAfter = Date.now() - t0;

    const shortText = await within(short.text, GRACE_MS + 2_000, 'the short generation');
    const shortMs = Date.now() - t0;
    expect(lastLine(shortText)).toMatchObject({ done: true });
    expect(shortMs).toBeLessThan(GRACE_MS);
    expect(shortMs, 'the short generation really ran on after SIGTERM').toBeGreaterThan(200);

    const longText = await within(long.text, GRACE_MS + 5_000, 'the long generation');
    const longMs = Date.now() - t0;
    expect(lastLine(longText).error, longText.slice(-300)).toMatch(/cancelled by the server shutting down/);
    expect(longMs).toBeGreaterThanOrEqual(GRACE_MS - 100);

    const exit = await within(server.exited, 15_000, 'server exit');
    const exitMs = Date.now() - t0;
    expect(exit).toEqual({ code: 0, signal: null });
    await until(() => !alive(pid), 5_000, 'the runner to exit');
    report('graceful-shutdown', {
      graceMs: GRACE_MS,
      refusedAfterMs: refusedAfter,
      shortDoneMs: shortMs,
      shortTokens,
      longCancelledMs: longMs,
      exitMs,
    });
  });

  it('a second SIGTERM forces exit 130 without waiting for the grace', async () => {
    const { server, pid } = await startWithModel();
    const long = await openStream(server.url, '/api/generate', {
      model: 'tiny',
      prompt: 'b',
      options: { num_predict: 10_000_000 },
    });
    await long.first;
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    const exit = await within(server.exited, GRACE_MS, 'forced exit');
    expect(exit.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(GRACE_MS);
    // The runner notices its parent is gone (IPC disconnect) and exits on its own.
    await until(() => !alive(pid), 10_000, 'the orphaned runner to exit');
    report('forced-shutdown', { forcedExitMs: Date.now() - t0, code: exit.code });
  });
});
