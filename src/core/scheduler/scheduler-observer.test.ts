import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { Scheduler } from './scheduler.js';
import { createTestScheduler, flushPromises, modelRequest } from './testing.js';
import type { SchedulerObserver } from './types.js';

let current: Scheduler | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** An observer that records its calls as `event model` strings. */
function recorder(): { observer: SchedulerObserver; events: string[] } {
  const events: string[] = [];
  return {
    events,
    observer: {
      modelLoaded: (model) => events.push(`loaded ${model}`),
      modelLoadFailed: (model, code) => events.push(`failed ${model} ${code}`),
      runnerCrashed: (model, exit) => events.push(`crashed ${model} ${exit.lastErrorLines.join('|')}`),
    },
  };
}

describe('Scheduler: observer', () => {
  it('reports loads, failed loads and crashes, but not planned unloads', async () => {
    const { observer, events } = recorder();
    const { scheduler, factory } = createTestScheduler({ observer });
    current = scheduler;
    factory.failNextLoad(new AppError('RUNNER_FAILED', 'bad model file'));
    await expect(scheduler.acquire(modelRequest('a'))).rejects.toThrow('bad model file');
    (await scheduler.acquire(modelRequest('a'))).release();
    factory.runners[0]!.crash(['GGML_ASSERT failed']);
    await flushPromises();
    (await scheduler.acquire(modelRequest('a'))).release();
    await scheduler.unload('a');
    expect(events).toEqual([
      'failed a:latest RUNNER_FAILED',
      'loaded a:latest',
      'crashed a:latest GGML_ASSERT failed',
      'loaded a:latest',
    ]);
  });

  it('keeps scheduling when the observer throws', async () => {
    const { scheduler } = createTestScheduler({
      observer: {
        modelLoaded: () => {
          throw new Error('observer bug');
        },
      },
    });
    current = scheduler;
    const lease = await scheduler.acquire(modelRequest('a'));
    expect(scheduler.ps()).toHaveLength(1);
    lease.release();
  });
});
