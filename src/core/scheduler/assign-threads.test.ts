import { describe, expect, it } from 'vitest';
import { assignThreads, type AssignThreadsInput } from './assign-threads.js';

const held = (...threads: number[]): AssignThreadsInput['runners'] => threads.map((t) => ({ threads: t }));

describe('assignThreads', () => {
  it.each<{ name: string; input: AssignThreadsInput; threads: number }>([
    {
      name: 'one model slot gets every core',
      input: { coreBudget: 8, runners: [], maxRunners: 1 },
      threads: 8,
    },
    {
      name: 'fair share of 3 slots on 8 cores',
      input: { coreBudget: 8, runners: [], maxRunners: 3 },
      threads: 2,
    },
    {
      name: 'second runner gets its share',
      input: { coreBudget: 8, runners: held(4), maxRunners: 2 },
      threads: 4,
    },
    {
      name: 'more slots than cores: 1 each',
      input: { coreBudget: 2, runners: held(1), maxRunners: 3 },
      threads: 1,
    },
    {
      name: 'unlimited slots: 1 each',
      input: { coreBudget: 4, runners: [], maxRunners: Infinity },
      threads: 1,
    },
    {
      name: 'requested is honoured',
      input: { coreBudget: 8, runners: [], maxRunners: 2, requested: 6 },
      threads: 6,
    },
    {
      name: 'requested is capped by what is free',
      input: { coreBudget: 8, runners: held(6), maxRunners: 2, requested: 6 },
      threads: 2,
    },
    {
      name: 'share capped by what is free',
      input: { coreBudget: 4, runners: held(3), maxRunners: 2 },
      threads: 1,
    },
    { name: 'every core held: 0', input: { coreBudget: 4, runners: held(2, 2), maxRunners: 3 }, threads: 0 },
    { name: 'over-held: 0', input: { coreBudget: 2, runners: held(3), maxRunners: 3 }, threads: 0 },
  ])('$name', ({ input, threads }) => {
    expect(assignThreads(input)).toBe(threads);
  });

  it('shares of successive runners never exceed the budget', () => {
    for (const coreBudget of [1, 2, 3, 4, 7, 16]) {
      for (const maxRunners of [1, 2, 3, 5]) {
        const runners: Array<{ threads: number }> = [];
        for (let i = 0; i < Math.min(maxRunners, coreBudget); i++) {
          const threads = assignThreads({ coreBudget, runners, maxRunners });
          expect(threads).toBeGreaterThanOrEqual(1);
          runners.push({ threads });
        }
        expect(runners.reduce((s, r) => s + r.threads, 0)).toBeLessThanOrEqual(coreBudget);
      }
    }
  });
});
