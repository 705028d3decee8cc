import type { LlamaContext, LlamaContextSequence, Token } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { SequencePool } from './sequence-pool.js';

/** A context of fake sequences holding the given tokens (only what the pool reads). */
function fakeContext(held: number[][]) {
  const sequences = held.map((tokens, id) => ({
    id,
    contextTokens: tokens,
    get nextTokenIndex() {
      return tokens.length;
    },
    compareContextTokens(prompt: Token[]) {
      let i = 0;
      while (i < tokens.length && tokens[i] === prompt[i]) i++;
      return { firstDifferentIndex: i };
    },
  }));
  let next = 0;
  const context = { totalSequences: held.length, contextSize: 64, getSequence: () => sequences[next++] };
  return new SequencePool(context as unknown as LlamaContext);
}
const t = (ids: number[]) => ids as Token[];
const idOf = (sequence: LlamaContextSequence) => (sequence as unknown as { id: number }).id;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SequencePool', () => {
  it('reports the tokens every sequence holds, lent or free, over the whole context', async () => {
    const pool = fakeContext([[1, 2, 3], [], range(0, 10)]);
    expect(pool.usage()).toEqual({ usedTokens: 13, capacityTokens: 3 * 64 });
    const lease = await pool.acquire(t([9]));
    expect(pool.usage().usedTokens).toBe(13); // a lent sequence still counts
    lease.release();
  });

  it('fills from the lowest id and keeps busy ids adjacent', async () => {
    const pool = fakeContext([[], [], [], []]);
    const a = await pool.acquire(t([1, 2, 3]));
    const b = await pool.acquire(t([4, 5, 6]));
    const c = await pool.acquire(t([7, 8, 9]));
    expect([a, b, c].map((l) => idOf(l.sequence))).toEqual([0, 1, 2]);
    expect(pool.busy).toBe(3);
    b.release();
    b.release(); // idempotent
    expect(pool.busy).toBe(2);
    expect(idOf((await pool.acquire(t([1]))).sequence)).toBe(1);
  });

  it('a follow-up goes back to the sequence holding its prefix, and reuses all but the last prompt token', async () => {
    const history = range(0, 40);
    const pool = fakeContext([[], [], [100, 101], history]);
    const lease = await pool.acquire(t([...history, 41, 42]));
    expect(idOf(lease.sequence)).toBe(3);
    expect(lease.reused).toBe(40);
    const same = fakeContext([history]);
    expect((await same.acquire(t(history))).reused).toBe(39); // one token must be evaluated to get logits
  });

  it('under concurrency a short cached prefix is not worth a stray sequence id; a long one is', async () => {
    const short = range(0, 50);
    const pool = fakeContext([[], [], [], short]);
    await pool.acquire(t([900])); // id 0 busy
    expect(idOf((await pool.acquire(t([...short, 7]))).sequence)).toBe(1);
    const long = range(0, 600);
    const pool2 = fakeContext([[], [], [], long]);
    await pool2.acquire(t([900]));
    expect(idOf((await pool2.acquire(t([...long, 7]))).sequence)).toBe(3);
  });

  it('does not erase a long cached conversation for a new prompt that shares a short preamble', async () => {
    const pool = fakeContext([range(0, 500), []]);
    expect(idOf((await pool.acquire(t([0, 1, 2, 999]))).sequence)).toBe(1);
  });

  it('queues when every sequence is busy (FIFO), and an aborted waiter leaves the queue', async () => {
    const pool = fakeContext([[]]);
    const first = await pool.acquire(t([1]));
    const controller = new AbortController();
    const aborted = pool.acquire(t([2]), controller.signal);
    const second = pool.acquire(t([3]));
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    first.release();
    expect(idOf((await second).sequence)).toBe(0);
    expect(pool.busy).toBe(1);
  });
});
