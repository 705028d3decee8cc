import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkCoalescer, CHUNK_INTERVAL_MS } from './chunk-coalescer.js';

describe('ChunkCoalescer', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the first piece at once, joins later ones within the interval, flushes before done', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sent: Array<[number, string]> = [];
    const chunks = new ChunkCoalescer((id, text) => sent.push([id, text]));
    chunks.add(1, 'a');
    expect(sent).toEqual([[1, 'a']]);
    chunks.add(1, 'b');
    chunks.add(1, 'c');
    chunks.add(2, 'x');
    expect(sent).toEqual([
      [1, 'a'],
      [2, 'x'],
    ]);
    vi.advanceTimersByTime(CHUNK_INTERVAL_MS);
    expect(sent.at(-1)).toEqual([1, 'bc']);
    chunks.add(1, 'd');
    chunks.flush(1);
    expect(sent.at(-1)).toEqual([1, 'd']);
    chunks.flush(1);
    chunks.close();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(4);
  });
});
