import { describe, expect, it } from 'vitest';
import { PullBytes } from './pull-bytes.js';

describe('PullBytes', () => {
  it('counts growth after the first line of a blob, once across followers', () => {
    const bytes = new PullBytes();
    const cases: Array<[line: Parameters<PullBytes['delta']>[0], expected: number]> = [
      [{}, 0],
      [{ digest: 'a', total: 100, completed: 30 }, 0], // resumed: 30 bytes were already there
      [{ digest: 'a', total: 100, completed: 50 }, 20],
      [{ digest: 'a', total: 100, completed: 50 }, 0], // a second follower repeats the line
      [{ digest: 'a', total: 100, completed: 40 }, 0], // an older line arriving late
      [{ digest: 'b', total: 10, completed: 10 }, 0], // already in the store
      [{ digest: 'a', total: 100, completed: 100 }, 50],
    ];
    for (const [line, expected] of cases) expect(bytes.delta(line)).toBe(expected);
    expect(bytes.size).toBe(0);
  });
});
