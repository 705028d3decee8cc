/**
 * The process boundary, with a fake runner child (no model): handshake, hang detection, protocol violations,
 * crashes with their last output lines, cancellation, and shutdown. Real-model behaviour is in the other files.
 */
import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../src/core/index.js';
import { fakeRunnerFactory, tinySpec } from './helpers.js';

const spec = tinySpec('/fake/model.gguf');
const expectCode = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  if (message) expect((err as AppError).message).toMatch(message);
  return err as AppError;
};

describe('process runner (fake child)', () => {
  it('serves, streams, tokenizes and shuts down gracefully; close() is idempotent', async () => {
    const runner = await fakeRunnerFactory('normal')(spec);
    expect(runner.info.backend).toBe('fake');
    const pieces: string[] = [];
    const result = await runner.generate(
      { prompt: 'x', options: { num_predict: 3 } },
      { onText: (t) => pieces.push(t) },
    );
    expect(result).toMatchObject({ text: 'tok tok tok ', doneReason: 'length' });
    expect(pieces.join('')).toBe(result.text);
    expect(await runner.tokenize('ab')).toEqual([97, 98]);
    await Promise.all([runner.close(), runner.close()]);
    await runner.close();
    expect(await runner.exited).toMatchObject({ expected: true, code: 0, signal: null });
    await expectCode(runner.tokenize('a'), 'RUNNER_FAILED', /not running/);
  });

  it('aborting resolves with doneReason abort and the partial text', async () => {
    await using runner = await fakeRunnerFactory('normal')(spec);
    const controller = new AbortController();
    const started = performance.now();
    const result = await runner.generate(
      { prompt: 'x', options: { num_predict: 10_000 } },
      { signal: controller.signal, onText: () => controller.abort() },
    );
    expect(result.doneReason).toBe('abort');
    expect(result.text.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2_000);
    const aborted = new AbortController();
    aborted.abort();
    expect(await runner.generate({ prompt: 'x', options: {} }, { signal: aborted.signal })).toMatchObject({
      doneReason: 'abort',
      text: '',
    });
  });

  it('a child that never says hello times out and is killed', async () => {
    const err = await expectCode(
      fakeRunnerFactory('silent', { handshakeTimeoutMs: 1_500 })(spec),
      'RUNNER_TIMEOUT',
      /did not start within 1500 ms/,
    );
    expect(err.message).toContain('no output');
  });

  it('a load that never finishes times out', async () => {
    await expectCode(
      fakeRunnerFactory('slow-load', { loadTimeoutMs: 300 })(spec),
      'RUNNER_TIMEOUT',
      /did not load model\.gguf within 300 ms/,
    );
  });

  it('aborting the factory signal cancels the start', async () => {
    const controller = new AbortController();
    const pending = fakeRunnerFactory('slow-load')(spec, controller.signal);
    setTimeout(() => controller.abort(), 200);
    await expectCode(pending, 'CANCELLED');
  });

  it('a runner that stops answering pings is killed and its requests fail', async () => {
    const runner = await fakeRunnerFactory('normal', { pingIntervalMs: 50, hangTimeoutMs: 400 })(spec);
    const other = runner.generate({ prompt: 'x', options: { num_predict: 100_000 } }, {});
    await expectCode(
      runner.generate({ prompt: 'hang', options: {} }, {}),
      'RUNNER_TIMEOUT',
      /stopped answering/,
    );
    await expectCode(other, 'RUNNER_TIMEOUT');
    expect(await runner.exited).toMatchObject({ expected: false, signal: 'SIGKILL' });
  });

  it('reports its KV cache on a status request, and a stuck runner makes it give up after a second', async () => {
    const runner = await fakeRunnerFactory('normal', { hangTimeoutMs: 60_000, shutdownGraceMs: 100 })(spec);
    try {
      expect(await runner.cacheUsage()).toEqual({ usedTokens: 0, capacityTokens: 128 });
      const stuck = runner.generate({ prompt: 'hang', options: {} }, {});
      stuck.catch(() => undefined); // fails when the runner is killed below; not what this test reads
      const started = performance.now();
      await expectCode(runner.cacheUsage(), 'RUNNER_TIMEOUT', /did not report its cache within 1000 ms/);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await runner.close(); // SIGKILL after the grace period: the stuck child ignores shutdown
    }
  });

  it('a crash fails in-flight requests with RUNNER_FAILED and the last output lines', async () => {
    const runner = await fakeRunnerFactory('normal')(spec);
    const err = await expectCode(
      runner.generate({ prompt: 'crash', options: {} }, {}),
      'RUNNER_FAILED',
      /runner exited \(code 3\) while serving model\.gguf: .*GGML_ASSERT: fake assertion failed/,
    );
    expect(err.details?.lastErrorLines).toContain('fake runner: about to fail');
    expect(await runner.exited).toMatchObject({
      expected: false,
      code: 3,
      lastErrorLines: expect.arrayContaining(['GGML_ASSERT: fake assertion failed']),
    });
  });

  it('a malformed message from the child is a protocol violation: runner killed', async () => {
    const runner = await fakeRunnerFactory('normal')(spec);
    const err = await expectCode(runner.generate({ prompt: 'malformed', options: {} }, {}), 'RUNNER_FAILED');
    expect(err.message).toMatch(/malformed runner message: id/);
    expect(isAppError(err)).toBe(true);
    expect((await runner.exited).expected).toBe(false);
  });

  it('close() SIGKILLs a child that ignores shutdown after the grace period', async () => {
    const runner = await fakeRunnerFactory('ignore-shutdown', { shutdownGraceMs: 300 })(spec);
    const started = performance.now();
    await runner.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(await runner.exited).toMatchObject({ expected: true, signal: 'SIGKILL' });
  });
});
