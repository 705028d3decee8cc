import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import type { Scheduler } from './scheduler.js';
import { createTestScheduler, flushPromises, modelRequest, promiseState } from './testing.js';

let current: Scheduler | undefined;
function setup(...args: Parameters<typeof createTestScheduler>): ReturnType<typeof createTestScheduler> {
  const harness = createTestScheduler(...args);
  current = harness.scheduler;
  return harness;
}
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('Scheduler: sharing and queueing', () => {
  it('shares one load between concurrent acquires of a model', async () => {
    const { scheduler, factory } = setup({ numParallel: 4 });
    factory.holdLoads = true;
    const acquires = [1, 2, 3].map(() => scheduler.acquire(modelRequest('a')));
    await flushPromises();
    expect(factory.loadCount).toBe(1);
    factory.releaseLoads();
    const leases = await Promise.all(acquires);
    expect(new Set(leases.map((l) => l.runner)).size).toBe(1);
    expect(factory.specs[0]).toMatchObject({ modelPath: '/models/a.gguf', contextSize: 2048, parallel: 4 });
    expect(scheduler.ps()[0]).toMatchObject({ modelKey: 'a', activeRequests: 3 });
  });

  it('grants at most numParallel leases per runner; the next waits for a release', async () => {
    const { scheduler, factory } = setup({ numParallel: 2 });
    const first = await scheduler.acquire(modelRequest('a'));
    const second = await scheduler.acquire(modelRequest('a'));
    const third = scheduler.acquire(modelRequest('a'));
    expect(await promiseState(third)).toBe('pending');
    first.release();
    first.release(); // idempotent: frees one slot only
    const lease = await third;
    expect(lease.runner).toBe(second.runner);
    const fourth = scheduler.acquire(modelRequest('a'));
    expect(await promiseState(fourth)).toBe('pending');
    expect(factory.loadCount).toBe(1);
    second.release();
    await fourth;
  });

  it('rejects with QUEUE_FULL at once when the queue is full, while leases in flight finish normally', async () => {
    const { scheduler, factory } = setup({ numParallel: 1, maxQueue: 1 });
    const lease = await scheduler.acquire(modelRequest('a'));
    const generation = lease.runner.generate({ prompt: 'hi', options: {} }, {});
    const queued = scheduler.acquire(modelRequest('a'));
    await expect(scheduler.acquire(modelRequest('b'))).rejects.toSatisfy((e) => isAppError(e, 'QUEUE_FULL'));
    factory.runners[0]!.finishAll('done');
    await expect(generation).resolves.toMatchObject({ text: 'done' });
    lease.release();
    const next = await queued;
    expect(next.runner).toBe(lease.runner);
  });

  it('with maxQueue 0 only immediately available runners are granted', async () => {
    const { scheduler } = setup({ maxQueue: 0 });
    await expect(scheduler.acquire(modelRequest('a'))).rejects.toSatisfy((e) => isAppError(e, 'QUEUE_FULL'));
  });

  it('an aborted waiter leaves the queue with CANCELLED and frees its place', async () => {
    const { scheduler } = setup({ numParallel: 1, maxQueue: 1 });
    const lease = await scheduler.acquire(modelRequest('a'));
    const controller = new AbortController();
    const waiting = scheduler.acquire(modelRequest('a', { signal: controller.signal }));
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toSatisfy((e) => isAppError(e, 'CANCELLED'));
    const next = scheduler.acquire(modelRequest('a')); // the place is free again
    lease.release();
    expect((await next).runner).toBe(lease.runner);
  });

  it('rejects an already aborted request without queueing it', async () => {
    const { scheduler, factory } = setup();
    const signal = AbortSignal.abort();
    await expect(scheduler.acquire(modelRequest('a', { signal }))).rejects.toSatisfy((e) =>
      isAppError(e, 'CANCELLED'),
    );
    await flushPromises();
    expect(factory.loadCount).toBe(0);
  });

  it('rejects invalid requests with INVALID_REQUEST', async () => {
    const { scheduler } = setup();
    await expect(scheduler.acquire(modelRequest('a', { contextSize: 0 }))).rejects.toSatisfy((e) =>
      isAppError(e, 'INVALID_REQUEST'),
    );
  });

  it('serves waiters of different models in arrival order: a later small model does not overtake', async () => {
    const { scheduler, factory, memory } = setup();
    memory.totalBytes = memory.freeBytes = 100e6;
    factory.ramBytes = (spec) => (spec.modelPath.includes('small') ? 30e6 : 60e6);
    const a = await scheduler.acquire(modelRequest('a', { estimate: 60e6 }));
    const b = scheduler.acquire(modelRequest('b', { estimate: 60e6 }));
    const small = scheduler.acquire(modelRequest('small', { estimate: 30e6 }));
    expect(await promiseState(b)).toBe('pending');
    expect(await promiseState(small)).toBe('pending'); // it would fit beside a, but b came first
    a.release();
    await b;
    await small;
    expect(factory.specs.map((s) => s.modelPath)).toEqual([
      '/models/a.gguf',
      '/models/b.gguf',
      '/models/small.gguf',
    ]);
  });

  it('lease works with `using`', async () => {
    const { scheduler, factory } = setup({ numParallel: 1 });
    {
      using lease = await scheduler.acquire(modelRequest('a'));
      expect(lease.runner).toBe(factory.runners[0]);
    }
    const again = await scheduler.acquire(modelRequest('a'));
    expect(again.runner).toBe(factory.runners[0]);
  });
});

describe('Scheduler: close', () => {
  it('rejects waiters with CANCELLED, closes every runner, and is idempotent', async () => {
    const { scheduler, factory, clock } = setup({ numParallel: 1 });
    const lease = await scheduler.acquire(modelRequest('a'));
    const waiting = scheduler.acquire(modelRequest('a'));
    expect(scheduler.waiting).toBe(1);
    const idle = await scheduler.acquire(modelRequest('b'));
    idle.release();
    expect(clock.pendingTimers).toBe(1); // b's keep-alive
    const closing = scheduler.close();
    expect(scheduler.close()).toBe(closing);
    await expect(waiting).rejects.toSatisfy((e) => isAppError(e, 'CANCELLED'));
    await closing;
    expect(factory.runners.map((r) => r.closeCalls)).toEqual([1, 1]);
    expect(scheduler.ps()).toEqual([]);
    expect(scheduler.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    lease.release(); // after close: harmless
    await expect(scheduler.acquire(modelRequest('a'))).rejects.toSatisfy((e) => isAppError(e, 'CANCELLED'));
    await scheduler[Symbol.asyncDispose]();
  });

  it('aborts a load in progress and leaks no runner', async () => {
    const { scheduler, factory } = setup();
    factory.holdLoads = true;
    const waiting = scheduler.acquire(modelRequest('a'));
    await flushPromises();
    await scheduler.close();
    await expect(waiting).rejects.toSatisfy((e) => isAppError(e, 'CANCELLED'));
    factory.releaseLoads();
    expect(factory.runners).toEqual([]);
  });
});
