import { describe, expect, it } from 'vitest';
import { guardStream, streamFormat } from './stream-guard.js';

/** A body that sends `chunks` and then breaks. */
function breaking(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[i++]));
      else controller.error(new Error('socket hang up'));
    },
  });
}

describe('guardStream', () => {
  it.each([
    {
      type: 'application/x-ndjson',
      chunks: ['{"response":"a"}\n', '{"resp'],
      want: '{"response":"a"}\n{"resp\n{"error":"node x: socket hang up"}\n',
    },
    {
      type: 'text/event-stream',
      chunks: ['data: {"a":1}\n\n'],
      want:
        'data: {"a":1}\n\n\ndata: {"error":{"message":"node x: socket hang up","type":"api_error","param":null,' +
        '"code":"NODE_UNAVAILABLE"}}\n\n',
    },
  ])('ends a broken $type stream with an error in its own format', async ({ type, chunks, want }) => {
    const outcomes: string[] = [];
    const body = guardStream(
      breaking(chunks),
      streamFormat(type),
      (err) => `node x: ${(err as Error).message}`,
      (o) => outcomes.push(o),
    );
    expect(await new Response(body).text()).toBe(want);
    expect(outcomes).toEqual(['broken']);
  });

  it('passes a whole body through and reports ok; a plain JSON body that breaks fails as it is', async () => {
    const outcomes: string[] = [];
    const ok = guardStream(new Response('{"a":1}').body!, 'other', String, (o) => outcomes.push(o));
    expect(await new Response(ok).text()).toBe('{"a":1}');
    const broken = guardStream(breaking(['{"a"']), 'other', String, (o) => outcomes.push(o));
    await expect(new Response(broken).text()).rejects.toThrow();
    expect(outcomes).toEqual(['ok', 'broken']);
  });
});
