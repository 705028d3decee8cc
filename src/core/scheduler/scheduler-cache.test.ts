import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Scheduler } from './scheduler.js';
import { createTestScheduler, modelRequest } from './testing.js';

let current: Scheduler | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('Scheduler: cacheUsage', () => {
  it("asks each loaded model's runner, and leaves out (with a warning) one that cannot answer", async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_data, message) => warnings.push(message) };
    const { scheduler, factory } = createTestScheduler({ log });
    current = scheduler;
    expect(await scheduler.cacheUsage()).toEqual([]);

    const a = await scheduler.acquire(modelRequest('a'));
    (await scheduler.acquire(modelRequest('b', { contextSize: 1024 }))).release();
    const [runnerA, runnerB] = factory.runners;
    runnerA!.cache.usedTokens = 300;
    expect(await scheduler.cacheUsage()).toEqual([
      { modelKey: 'a', displayName: 'a:latest', usedTokens: 300, capacityTokens: 2048 * 2 },
      { modelKey: 'b', displayName: 'b:latest', usedTokens: 0, capacityTokens: 1024 * 2 },
    ]);

    runnerB!.cacheUsage = () => Promise.reject(new AppError('RUNNER_TIMEOUT', 'no answer'));
    expect((await scheduler.cacheUsage()).map((u) => u.modelKey)).toEqual(['a']);
    expect(warnings).toEqual(['kv cache usage not read']);
    a.release();
  });
});
