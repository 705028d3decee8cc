/** A scheduler wired to fakes, for tests: fake runners, a fake clock, a fixed memory budget. */
import { silentLogger } from '../logger.js';
import { FakeClock } from './fake-clock.js';
import { FakeMemory } from './fake-memory.js';
import { FakeRunnerFactory } from './fake-runner-factory.js';
import { Scheduler } from './scheduler.js';
import type { AcquireRequest, SchedulerOptions } from './types.js';

/** The scheduler and the fakes behind it. */
export interface TestScheduler {
  scheduler: Scheduler;
  factory: FakeRunnerFactory;
  clock: FakeClock;
  memory: FakeMemory;
}

/**
 * A scheduler on fakes: 100 MB of memory, 4 cores, up to 3 models, 10 waiting requests, 2 parallel requests per
 * runner, 5 minutes keep-alive. Each fake runner reports the request's `estimate` bytes (when it is a number).
 */
export function createTestScheduler(options: Partial<SchedulerOptions> = {}): TestScheduler {
  const factory = new FakeRunnerFactory();
  const clock = new FakeClock();
  const memory = new FakeMemory(100e6);
  const scheduler = new Scheduler({
    runnerFactory: factory.create,
    memory,
    coreBudget: 4,
    maxLoadedModels: 3,
    maxQueue: 10,
    numParallel: 2,
    defaultKeepAliveMs: 5 * 60_000,
    log: silentLogger,
    clock,
    ...options,
  });
  return { scheduler, factory, clock, memory };
}

/** An acquire request for model `key` (path `/models/<key>.gguf`, 2048 context, 10 MB). */
export function modelRequest(key: string, extra: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    modelKey: key,
    displayName: `${key}:latest`,
    modelPath: `/models/${key}.gguf`,
    adapters: [],
    contextSize: 2048,
    estimate: 10e6,
    ...extra,
  };
}
