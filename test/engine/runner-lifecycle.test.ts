/**
 * Real runner processes failing and starting: a SIGKILL mid-generation, bad model files, a load timeout, and the
 * thread calibration that runs once per model size class.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/index.js';
import { createProcessRunnerFactory, type CalibrationData } from '../../src/engine/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { recordingLogger, tinySpec } from './helpers.js';

let dir: string;
let modelPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-engine-'));
  modelPath = await tinyModelPath({ eos: 'never' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as AppError,
  );

describe('runner lifecycle', () => {
  it('SIGKILL mid-generation fails the request with the reason; the next runner works', async () => {
    const factory = createProcessRunnerFactory({ log: recordingLogger() });
    const runner = await factory(tinySpec(modelPath, { contextSize: 2048 }));
    const request = { prompt: 'Kill me softly', options: { temperature: 0, num_predict: 100_000 } };
    let killed = false;
    const err = await failure(
      runner.generate(request, {
        onText: () => {
          if (!killed) process.kill(runner.pid!, 'SIGKILL');
          killed = true;
        },
      }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('RUNNER_FAILED');
    expect(err.message).toMatch(/^runner exited \(signal SIGKILL.*\) while serving /);
    expect(await runner.exited).toMatchObject({ expected: false, signal: 'SIGKILL', code: null });
    await runner.close(); // closing a dead runner is a no-op
    expect(await failure(runner.tokenize('x'))).toMatchObject({ code: 'RUNNER_FAILED' });

    await using next = await factory(tinySpec(modelPath));
    expect(
      (await next.generate({ prompt: 'again', options: { num_predict: 4 } }, {})).evalTokens,
    ).toBeGreaterThan(0);
  });

  it('a missing model file is FILE_NOT_FOUND naming the path', async () => {
    const missing = join(dir, 'no-such-model.gguf');
    const err = await failure(createProcessRunnerFactory({ log: recordingLogger() })(tinySpec(missing)));
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain(missing);
  });

  it('a file that is not GGUF fails the load with the cause', async () => {
    const notGguf = join(dir, 'notes.gguf');
    await writeFile(notGguf, 'these are my notes, not a model\n'.repeat(20));
    const err = await failure(createProcessRunnerFactory({ log: recordingLogger() })(tinySpec(notGguf)));
    expect(err.code).toBe('RUNNER_FAILED');
    expect(err.message).toMatch(new RegExp(`^failed to load model ${notGguf}: .+`));
  });

  it('a load slower than the load timeout is RUNNER_TIMEOUT and the process is gone', async () => {
    const log = recordingLogger();
    const err = await failure(createProcessRunnerFactory({ log, loadTimeoutMs: 1 })(tinySpec(modelPath)));
    expect(err.code).toBe('RUNNER_TIMEOUT');
    expect(err.message).toMatch(/did not load .* within 1 ms/);
  });

  it('thread calibration measures once per size class and is reused', async () => {
    const calibrationFile = join(dir, 'calibration.json');
    const log = recordingLogger();
    const factory = createProcessRunnerFactory({ log, calibrationFile, cores: 1 });
    for (let i = 0; i < 2; i++) {
      const runner = await factory(tinySpec(modelPath, { threads: 1 }));
      expect(runner.info.threads).toBe(1);
      await runner.close();
    }
    const data = JSON.parse(await readFile(calibrationFile, 'utf8')) as CalibrationData;
    expect(Object.keys(data.classes)).toEqual(['cpu:<64MiB']);
    expect(data.classes['cpu:<64MiB']!.threads['1']).toBeGreaterThan(0);
    expect(log.records.filter((r) => r.msg === 'thread calibration measured')).toHaveLength(1);
  });
});
