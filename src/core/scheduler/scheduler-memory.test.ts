import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import type { Scheduler } from './scheduler.js';
import { createTestScheduler, flushPromises, modelRequest, promiseState } from './testing.js';

let current: Scheduler | undefined;
function setup(...args: Parameters<typeof createTestScheduler>): ReturnType<typeof createTestScheduler> {
  const harness = createTestScheduler(...args);
  current = harness.scheduler;
  // Each fake runner reports the bytes its request estimated: 60 MB models, 100 MB of memory.
  harness.factory.ramBytes = () => 60e6;
  return harness;
}
afterEach(async () => {
  await current?.close();
  current = undefined;
});
const big = (key: string, extra = {}): ReturnType<typeof modelRequest> =>
  modelRequest(key, { estimate: 60e6, ...extra });

describe('Scheduler: memory', () => {
  it('evicts the idle model to load another that does not fit beside it', async () => {
    const { scheduler, factory } = setup();
    (await scheduler.acquire(big('a'))).release();
    const b = await scheduler.acquire(big('b'));
    const [runnerA, runnerB] = factory.runners;
    expect(runnerA!.closeCalls).toBe(1);
    expect(b.runner).toBe(runnerB);
    expect(scheduler.ps().map((p) => p.modelKey)).toEqual(['b']);
  });

  it('never evicts a busy model: the new one waits until it is released', async () => {
    const { scheduler, factory } = setup();
    const a = await scheduler.acquire(big('a'));
    const b = scheduler.acquire(big('b'));
    expect(await promiseState(b)).toBe('pending');
    expect(factory.runners[0]!.closeCalls).toBe(0);
    expect(factory.loadCount).toBe(1);
    a.release();
    expect((await b).runner).toBe(factory.runners[1]);
    expect(factory.runners[0]!.closeCalls).toBe(1);
  });

  it('evicts the least recently used of several idle models', async () => {
    const { scheduler, factory, clock, memory } = setup();
    memory.totalBytes = memory.freeBytes = 70e6;
    factory.ramBytes = () => 30e6;
    (await scheduler.acquire(modelRequest('a', { estimate: 30e6 }))).release();
    await clock.advance(1000);
    (await scheduler.acquire(modelRequest('b', { estimate: 30e6 }))).release();
    await clock.advance(1000);
    (await scheduler.acquire(modelRequest('a', { estimate: 30e6 }))).release(); // a is now the most recent
    await scheduler.acquire(modelRequest('c', { estimate: 30e6 }));
    expect(scheduler.ps().map((p) => p.modelKey)).toEqual(['a', 'c']);
    expect(factory.runners[1]!.closeCalls).toBe(1);
  });

  it('respects maxLoadedModels even when memory would fit', async () => {
    const { scheduler } = setup({ maxLoadedModels: 1 });
    const a = await scheduler.acquire(modelRequest('a'));
    const b = scheduler.acquire(modelRequest('b'));
    expect(await promiseState(b)).toBe('pending');
    a.release();
    await b;
    expect(scheduler.ps().map((p) => p.modelKey)).toEqual(['b']);
  });

  it('rejects with INSUFFICIENT_MEMORY a model that can never fit, and goes on serving others', async () => {
    const { scheduler } = setup();
    const a = await scheduler.acquire(big('a'));
    const huge = scheduler.acquire(modelRequest('huge', { estimate: 150e6 }));
    await expect(huge).rejects.toSatisfy((e) => isAppError(e, 'INSUFFICIENT_MEMORY'));
    a.release();
    await expect(scheduler.acquire(modelRequest('small', { estimate: 1e6 }))).resolves.toBeDefined();
  });

  it('counts memory the machine does not have free as unavailable', async () => {
    const { scheduler, memory } = setup();
    memory.freeBytes = 50e6; // other processes hold half the budget
    await expect(scheduler.acquire(big('a'))).rejects.toSatisfy((e) => isAppError(e, 'INSUFFICIENT_MEMORY'));
  });

  it('plans with the estimate computed from model facts at the requested context size', async () => {
    const { scheduler, memory } = setup();
    memory.totalBytes = memory.freeBytes = 1e9;
    const facts = {
      weightsBytes: 500e6,
      nLayer: 32,
      nEmbd: 4096,
      nHead: 32,
      nHeadKv: 8,
      kvBytesPerElement: 2,
    };
    await expect(
      scheduler.acquire(modelRequest('a', { estimate: facts, contextSize: 512 })),
    ).resolves.toBeDefined();
    await expect(
      scheduler.acquire(modelRequest('b', { estimate: facts, contextSize: 8192 })),
    ).rejects.toSatisfy((e) => isAppError(e, 'INSUFFICIENT_MEMORY'));
  });
});

describe('Scheduler: context size', () => {
  it('reloads, once idle, for a larger context; smaller requests queued behind use the new runner', async () => {
    const { scheduler, factory } = setup({ numParallel: 2 });
    const first = await scheduler.acquire(modelRequest('a', { contextSize: 2048 }));
    const larger = scheduler.acquire(modelRequest('a', { contextSize: 8192 }));
    const smaller = scheduler.acquire(modelRequest('a', { contextSize: 1024 }));
    expect(await promiseState(larger)).toBe('pending');
    expect(await promiseState(smaller)).toBe('pending'); // must not overtake the reload
    expect(factory.runners[0]!.closeCalls).toBe(0);
    first.release();
    const [l, s] = await Promise.all([larger, smaller]);
    expect(factory.runners[0]!.closeCalls).toBe(1);
    expect(l.runner).toBe(factory.runners[1]);
    expect(s.runner).toBe(factory.runners[1]);
    expect(factory.specs[1]!.contextSize).toBe(8192);
    l.release();
    s.release();
    const again = await scheduler.acquire(modelRequest('a', { contextSize: 4096 }));
    expect(again.runner).toBe(factory.runners[1]);
    expect(factory.loadCount).toBe(2);
  });
});

describe('Scheduler: threads', () => {
  it('gives loaded runners disjoint shares of the core budget', async () => {
    const { scheduler, factory, memory } = setup({ coreBudget: 4, maxLoadedModels: 2 });
    memory.totalBytes = memory.freeBytes = 1e9;
    await scheduler.acquire(modelRequest('a'));
    await scheduler.acquire(modelRequest('b'));
    expect(factory.specs.map((s) => s.threads)).toEqual([2, 2]);
    expect(scheduler.ps().map((p) => p.threads)).toEqual([2, 2]);
  });

  it('caps a requested thread count by what is free, and frees threads before loading past the budget', async () => {
    const { scheduler, factory, memory } = setup({ coreBudget: 4, maxLoadedModels: 3 });
    memory.totalBytes = memory.freeBytes = 1e9;
    const a = await scheduler.acquire(modelRequest('a', { threads: 3 }));
    const b = await scheduler.acquire(modelRequest('b', { threads: 3 }));
    expect(factory.specs.map((s) => s.threads)).toEqual([3, 1]);
    const c = scheduler.acquire(modelRequest('c'));
    expect(await promiseState(c)).toBe('pending'); // every core is held by busy runners
    a.release();
    await c;
    expect(factory.runners[0]!.closeCalls).toBe(1);
    expect(factory.specs[2]!.threads).toBe(1); // fair share of 4 cores over 3 slots, capped by the 3 free
    b.release();
    const total = scheduler.ps().reduce((sum, p) => sum + p.threads, 0);
    expect(total).toBeLessThanOrEqual(4);
    await flushPromises();
  });
});
