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

const GRACE_MS = 8_000;
const SHORT_TOKENS = 1_000;
// A generation stops at the context length: 16k tokens keep the "long" request running well past the grace.
const CONTEXT = 16_384;
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

async function startWithModel(): Promise<{ server: ServerProcess; pid: number }> {
  const server = await spawnServer({
    CORRAL_HOME: home,
    CORRAL_SHUTDOWN_GRACE: `${GRACE_MS}ms`,
    CORRAL_NUM_PARALLEL: '2',
    CORRAL_THREADS: '1',
    CORRAL_CONTEXT_LENGTH: String(CONTEXT),
  });
  const client = new Client({ baseUrl: server.url });
  await client.create({ model: 'tiny', modelfile: `FROM ${modelPath}\n` });
  await client.generate({ model: 'tiny', prompt: 'hi', stream: false, options: { num_predict: 8 } });
  expect((await client.ps()).models).toHaveLength(1);
  // The runner's pid: the server's only runner process.
  const pids = runnerPids(server.child.pid);
  expect(pids).toHaveLength(1);
  return { server, pid: pids[0]! };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'corral-chaos-shutdown-'));
  modelPath = await tinyModelPath({ eos: 'never', contextLength: CONTEXT });
}, 120_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('refuses new connections, finishes short requests, cancels long ones after the grace, exits 0', async () => {
    const { server, pid } = await startWithModel();
    // One generation well inside the grace, one that runs to the context length (16k tokens: many seconds).
    // The short one goes first and the long one is sent while it streams, so at SIGTERM both are in flight
    // (running side by side, or the long one still queued: the test holds either way).
    const short = await openStream(server.url, '/api/generate', {
      model: 'tiny',
      prompt: 'a',
      options: { num_predict: SHORT_TOKENS, temperature: 0 },
    });
    // SIGTERM early in the short generation (lines are text chunks, fewer than tokens), whatever the speed of
    // this machine right now.
    await until(() => short.lines() >= 20, 10_000, 'the short generation to be under way');
    const longOpened = openStream(server.url, '/api/generate', {
      model: 'tiny',
      prompt: 'b',
      options: { num_predict: 10_000_000, temperature: 0 },
    });
    await new Promise((r) => setTimeout(r, 100)); // the long request is sent and in flight
    let shortEnded = false;
    void short.text.then(() => (shortEnded = true));
    const linesAtSigterm = short.lines();

    const t0 = Date.now();
    expect(shortEnded, 'the short generation is still running at SIGTERM').toBe(false);
    server.child.kill('SIGTERM');
    await until(async () => !(await accepts(server.port)), 2_000, 'the listener to close');
    const refusedAfter = Date.now() - t0;

    const shortText = await within(short.text, GRACE_MS + 2_000, 'the short generation');
    const shortMs = Date.now() - t0;
    expect(lastLine(shortText)).toMatchObject({ done: true });
    expect(shortMs).toBeLessThan(GRACE_MS);
    expect(short.lines() - linesAtSigterm, 'most of the short generation ran after SIGTERM').toBeGreaterThan(
      short.lines() / 2,
    );

    const long = await within(longOpened, GRACE_MS, 'the long generation to start');
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
      shortTokens: SHORT_TOKENS,
      shortLinesAfterSigterm: short.lines() - linesAtSigterm,
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
