import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex.js';
import { RwLock } from './rw-lock.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyedMutex', () => {
  it('serialises one key, not different keys, and survives errors', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, id: string, fail = false) =>
      m.run(key, async () => {
        log.push(`start ${id}`);
        await tick();
        log.push(`end ${id}`);
        if (fail) throw new Error(id);
        return id;
      });
    const results = await Promise.allSettled([job('a', 'a1', true), job('a', 'a2'), job('b', 'b1')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(m.size).toBe(0);
  });
});

describe('RwLock', () => {
  it('lets readers share and keeps the writer exclusive, with writer preference', async () => {
    const lock = new RwLock();
    const log: string[] = [];
    const reader = (id: string) =>
      lock.shared(async () => {
        log.push(`r+ ${id}`);
        await tick(10);
        log.push(`r- ${id}`);
      });
    const writer = (id: string) =>
      lock.exclusive(async () => {
        log.push(`w+ ${id}`);
        await tick(5);
        log.push(`w- ${id}`);
      });
    const p = [reader('1'), reader('2'), writer('1'), reader('3'), writer('2')];
    await Promise.all(p);
    // r1 and r2 overlap; w1 waits for both; r3 (arrived after w1 queued) waits for the writers.
    expect(log.slice(0, 2)).toEqual(['r+ 1', 'r+ 2']);
    const w1 = log.indexOf('w+ 1');
    expect(w1).toBeGreaterThan(log.indexOf('r- 1'));
    expect(w1).toBeGreaterThan(log.indexOf('r- 2'));
    expect(log[w1 + 1]).toBe('w- 1');
    const w2 = log.indexOf('w+ 2');
    expect(log[w2 + 1]).toBe('w- 2');
    expect(lock.idle).toBe(true);
  });
});
