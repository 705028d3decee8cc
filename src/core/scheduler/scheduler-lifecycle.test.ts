import { afterEach, describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../errors.js';
import { systemClock } from './clock.js';
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
const MINUTE = 60_000;

describe('Scheduler: keep-alive', () => {
  it('keep_alive 0 unloads as soon as the last lease is released, not before', async () => {
    const { scheduler, factory } = setup();
    const one = await scheduler.acquire(modelRequest('a', { keepAliveMs: 0 }));
    const two = await scheduler.acquire(modelRequest('a', { keepAliveMs: 0 }));
    one.release();
    await flushPromises();
    expect(factory.runners[0]!.closeCalls).toBe(0);
    two.release();
    await flushPromises();
    expect(factory.runners[0]!.closeCalls).toBe(1);
    expect(scheduler.ps()).toEqual([]);
  });

  it('unloads an idle model when its keep-alive expires, counted from the last release', async () => {
    const { scheduler, factory, clock } = setup({ defaultKeepAliveMs: 5 * MINUTE });
    const lease = await scheduler.acquire(modelRequest('a'));
    await clock.advance(10 * MINUTE); // busy: no expiry while a lease is held
    expect(scheduler.ps()[0]!.expiresAt).toEqual(new Date(clock.now() + 5 * MINUTE));
    lease.release();
    expect(scheduler.ps()[0]!.expiresAt).toEqual(new Date(clock.now() + 5 * MINUTE));
    await clock.advance(5 * MINUTE - 1);
    expect(factory.runners[0]!.closeCalls).toBe(0);
    (await scheduler.acquire(modelRequest('a'))).release(); // a new request restarts the keep-alive
    await clock.advance(5 * MINUTE - 1);
    expect(factory.runners[0]!.closeCalls).toBe(0);
    await clock.advance(1);
    expect(factory.runners[0]!.closeCalls).toBe(1);
    expect(scheduler.ps()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a request keep-alive replaces the model’s; requests without one keep it', async () => {
    const { scheduler, factory, clock } = setup({ defaultKeepAliveMs: 5 * MINUTE });
    (await scheduler.acquire(modelRequest('a'))).release(); // loaded with the default, 5 minutes
    (await scheduler.acquire(modelRequest('a', { keepAliveMs: 10_000 }))).release();
    (await scheduler.acquire(modelRequest('a'))).release();
    expect(scheduler.ps()[0]!.expiresAt).toEqual(new Date(clock.now() + 10_000));
    await clock.advance(10_000);
    expect(factory.runners[0]!.closeCalls).toBe(1);
  });

  it('Infinity (or a negative keep-alive) never expires', async () => {
    const { scheduler, factory, clock } = setup();
    (await scheduler.acquire(modelRequest('a', { keepAliveMs: -1 }))).release();
    await clock.advance(400 * 24 * 60 * MINUTE);
    expect(factory.runners[0]!.closeCalls).toBe(0);
    expect(scheduler.ps()[0]!.expiresAt).toBeNull();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a keep-alive longer than a Node timer can hold still fires on time', async () => {
    const { scheduler, factory, clock } = setup();
    const thirtyDays = 30 * 24 * 60 * MINUTE;
    (await scheduler.acquire(modelRequest('a', { keepAliveMs: thirtyDays }))).release();
    await clock.advance(thirtyDays - 1);
    expect(factory.runners[0]!.closeCalls).toBe(0);
    await clock.advance(1);
    expect(factory.runners[0]!.closeCalls).toBe(1);
  });
});

describe('Scheduler: system clock', () => {
  it('expires a keep-alive with real timers', async () => {
    const { scheduler, factory } = setup({ clock: systemClock });
    (await scheduler.acquire(modelRequest('a', { keepAliveMs: 20 }))).release();
    expect(factory.runners[0]!.closeCalls).toBe(0);
    await factory.runners[0]!.exited;
    expect(scheduler.ps()).toEqual([]);
  });
});

describe('Scheduler: failures', () => {
  it('rejects with INTERNAL when memory cannot be read', async () => {
    const { scheduler, memory } = setup();
    memory.available = () => Promise.reject(new Error('EACCES'));
    await expect(scheduler.acquire(modelRequest('a'))).rejects.toSatisfy((e) => isAppError(e, 'INTERNAL'));
  });

  it('replaces a runner that crashed while idle on the next acquire', async () => {
    const { scheduler, factory } = setup();
    (await scheduler.acquire(modelRequest('a'))).release();
    factory.runners[0]!.crash();
    await flushPromises();
    expect(scheduler.ps()).toEqual([]);
    const lease = await scheduler.acquire(modelRequest('a'));
    expect(lease.runner).toBe(factory.runners[1]);
  });

  it('fails the work of a runner that crashes while busy, and replaces it', async () => {
    const { scheduler, factory } = setup();
    const lease = await scheduler.acquire(modelRequest('a'));
    const generation = lease.runner.generate({ prompt: 'x', options: {} }, {});
    factory.runners[0]!.crash(['GGML_ASSERT failed']);
    await expect(generation).rejects.toSatisfy((e) => isAppError(e, 'RUNNER_FAILED'));
    lease.release(); // release after the crash: harmless
    const next = await scheduler.acquire(modelRequest('a'));
    expect(next.runner).toBe(factory.runners[1]);
  });

  it('a failed load rejects every waiter with its error and does not wedge the queue', async () => {
    const { scheduler, factory } = setup();
    factory.holdLoads = true;
    factory.failNextLoad(new AppError('RUNNER_FAILED', 'bad model file'));
    const waiters = [scheduler.acquire(modelRequest('a')), scheduler.acquire(modelRequest('a'))];
    await flushPromises();
    const outcomes = waiters.map((waiter) => expect(waiter).rejects.toThrow('bad model file'));
    factory.releaseLoads();
    await Promise.all(outcomes);
    factory.holdLoads = false;
    await expect(scheduler.acquire(modelRequest('a'))).resolves.toBeDefined();
    expect(factory.loadCount).toBe(2);
  });

  it('wraps a plain error from the factory in RUNNER_FAILED', async () => {
    const { scheduler, factory } = setup();
    factory.failNextLoad(new Error('spawn ENOENT'));
    await expect(scheduler.acquire(modelRequest('a'))).rejects.toSatisfy(
      (e) => isAppError(e, 'RUNNER_FAILED') && e.message.includes('spawn ENOENT'),
    );
  });

  it('a load that takes too long fails with RUNNER_TIMEOUT and its late runner is not kept', async () => {
    const { scheduler, factory, clock } = setup({ loadTimeoutMs: 30_000 });
    factory.holdLoads = true;
    const waiting = scheduler.acquire(modelRequest('a'));
    const outcome = expect(waiting).rejects.toSatisfy((e) => isAppError(e, 'RUNNER_TIMEOUT'));
    await flushPromises();
    await clock.advance(30_000);
    await outcome;
    factory.releaseLoads(); // the fake honours the abort: no runner is made
    expect(factory.live).toEqual([]);
    expect(scheduler.ps()).toEqual([]);
  });
});

describe('Scheduler: unload and ps', () => {
  it('ps describes loaded models', async () => {
    const { scheduler, factory, clock } = setup();
    factory.ramBytes = () => 42e6;
    const lease = await scheduler.acquire(modelRequest('a', { contextSize: 4096 }));
    expect(scheduler.ps()).toEqual([
      {
        modelKey: 'a',
        displayName: 'a:latest',
        modelPath: '/models/a.gguf',
        sizeBytes: 42e6,
        vramBytes: 0,
        contextSize: 4096,
        threads: 1,
        expiresAt: new Date(clock.now() + 5 * MINUTE),
        activeRequests: 1,
        pid: lease.runner.pid,
      },
    ]);
  });

  it('unload waits for the leases to be released and grants no new ones meanwhile', async () => {
    const { scheduler, factory } = setup();
    const lease = await scheduler.acquire(modelRequest('a'));
    const unloading = scheduler.unload('a');
    const newcomer = scheduler.acquire(modelRequest('a'));
    expect(await promiseState(unloading)).toBe('pending');
    expect(await promiseState(newcomer)).toBe('pending');
    lease.release();
    await expect(unloading).resolves.toBe(true);
    expect(factory.runners[0]!.closeCalls).toBe(1);
    expect((await newcomer).runner).toBe(factory.runners[1]); // served by a fresh load
  });

  it('unload with force closes at once; unload of a model not loaded resolves false', async () => {
    const { scheduler, factory } = setup();
    await scheduler.acquire(modelRequest('a'));
    await expect(scheduler.unload('a', { force: true })).resolves.toBe(true);
    expect(factory.runners[0]!.closeCalls).toBe(1);
    await expect(scheduler.unload('a')).resolves.toBe(false);
  });

  it('unload of a model still loading waits for the load, then unloads it', async () => {
    const { scheduler, factory } = setup();
    factory.holdLoads = true;
    const waiting = scheduler.acquire(modelRequest('a'));
    await flushPromises();
    const unloading = scheduler.unload('a');
    factory.releaseLoads();
    const lease = await waiting;
    expect(await promiseState(unloading)).toBe('pending');
    lease.release();
    await expect(unloading).resolves.toBe(true);
  });
});
