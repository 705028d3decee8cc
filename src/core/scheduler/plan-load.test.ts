import { describe, expect, it } from 'vitest';
import { planLoad, type LoadedFacts, type PlanLoadInput } from './plan-load.js';

const GB = 1e9;
const idle = (id: string, bytes: number, lastUsed: number, threads?: number): LoadedFacts => ({
  id,
  bytes,
  lastUsed,
  busy: false,
  pinned: false,
  ...(threads === undefined ? {} : { threads }),
});
const busy = (id: string, bytes: number, lastUsed = 0): LoadedFacts => ({
  ...idle(id, bytes, lastUsed),
  busy: true,
});
const pinned = (id: string, bytes: number): LoadedFacts => ({ ...idle(id, bytes, 0), pinned: true });
const kept = (id: string, bytes: number, lastUsed: number): LoadedFacts => ({
  ...idle(id, bytes, lastUsed),
  kept: true,
});

const base: PlanLoadInput = { need: 4 * GB, free: 16 * GB, total: 16 * GB, loaded: [], maxLoaded: 3 };

describe('planLoad', () => {
  it.each<{
    name: string;
    input: Partial<PlanLoadInput>;
    plan: ReturnType<typeof planLoad>['kind'];
    victims?: string[];
  }>([
    { name: 'empty machine: load', input: {}, plan: 'load' },
    {
      name: 'fits beside loaded models',
      input: { free: 8 * GB, loaded: [idle('a', 8 * GB, 1)] },
      plan: 'load',
    },
    {
      name: 'exactly fits',
      input: { need: 8 * GB, free: 8 * GB, loaded: [idle('a', 8 * GB, 1)] },
      plan: 'load',
    },
    { name: 'larger than the whole budget: never', input: { need: 17 * GB }, plan: 'never' },
    {
      name: 'larger than free + everything loaded: never',
      input: { need: 12 * GB, free: 2 * GB, loaded: [busy('a', 8 * GB)] },
      plan: 'never',
    },
    {
      name: 'evicts the least recently used idle model',
      input: { free: 0, loaded: [idle('new', 5 * GB, 9), idle('old', 5 * GB, 1), idle('mid', 6 * GB, 5)] },
      plan: 'evict',
      victims: ['old'],
    },
    {
      name: 'evicts several when one is not enough',
      input: {
        need: 9 * GB,
        free: 0,
        loaded: [idle('a', 5 * GB, 1), idle('b', 5 * GB, 2), idle('c', 6 * GB, 3)],
      },
      plan: 'evict',
      victims: ['a', 'b'],
    },
    {
      name: 'drops victims made unnecessary by a larger one',
      input: { need: 8 * GB, free: 0, loaded: [idle('small', 1 * GB, 1), idle('big', 10 * GB, 2)] },
      plan: 'evict',
      victims: ['big'],
    },
    {
      name: 'never evicts a busy model: evicts the idle one even if more recent',
      input: { free: 0, loaded: [busy('busy', 8 * GB, 0), idle('idle', 8 * GB, 5)] },
      plan: 'evict',
      victims: ['idle'],
    },
    {
      name: 'only busy models in the way: wait',
      input: { free: 0, loaded: [busy('a', 8 * GB), busy('b', 8 * GB)] },
      plan: 'wait',
    },
    {
      name: 'idle models not enough, busy ones would be: wait',
      input: { need: 10 * GB, free: 0, loaded: [busy('a', 8 * GB), idle('b', 8 * GB, 1)] },
      plan: 'wait',
    },
    {
      name: 'a pinned (loading or closing) model is waited for',
      input: { free: 0, loaded: [pinned('loading', 16 * GB)] },
      plan: 'wait',
    },
    {
      name: 'a model kept with keep_alive -1 is never a victim: the idle one goes',
      input: { need: 8 * GB, free: 0, loaded: [kept('k', 8 * GB, 0), idle('b', 8 * GB, 1)] },
      plan: 'evict',
      victims: ['b'],
    },
    {
      name: 'only kept models stand in the way: never (waiting would be forever)',
      input: { need: 10 * GB, free: 0, loaded: [kept('k', 8 * GB, 0), idle('b', 8 * GB, 1)] },
      plan: 'never',
    },
    {
      name: 'kept models fill the count limit: never',
      input: { maxLoaded: 1, loaded: [kept('k', GB, 0)] },
      plan: 'never',
    },
    {
      name: 'count limit reached: evict the LRU idle one even though memory fits',
      input: { maxLoaded: 2, loaded: [idle('a', GB, 3), idle('b', GB, 2)] },
      plan: 'evict',
      victims: ['b'],
    },
    {
      name: 'count limit reached with busy models: wait',
      input: { maxLoaded: 1, loaded: [busy('a', GB)] },
      plan: 'wait',
    },
    {
      name: 'ties on lastUsed are broken by id',
      input: { free: 0, loaded: [idle('b', 8 * GB, 1), idle('a', 8 * GB, 1)] },
      plan: 'evict',
      victims: ['a'],
    },
    {
      name: 'no thread free: evict an idle runner to get one',
      input: { threads: { budget: 4, need: 1 }, loaded: [idle('a', GB, 1, 2), idle('b', GB, 2, 2)] },
      plan: 'evict',
      victims: ['a'],
    },
    {
      name: 'no thread free and every runner busy: wait',
      input: { threads: { budget: 2, need: 1 }, loaded: [{ ...busy('a', GB), threads: 2 }] },
      plan: 'wait',
    },
    {
      name: 'a thread is free: load',
      input: { threads: { budget: 4, need: 1 }, loaded: [idle('a', GB, 1, 3)] },
      plan: 'load',
    },
  ])('$name', ({ input, plan, victims }) => {
    const result = planLoad({ ...base, ...input });
    expect(result.kind).toBe(plan);
    if (victims) expect(result).toEqual({ kind: 'evict', victims });
  });
});
