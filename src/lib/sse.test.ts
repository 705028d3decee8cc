import { describe, expect, it } from 'vitest';
import { parseSse, sseEvent } from './sse.js';

async function decode(chunks: string[]) {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  const out = [];
  for await (const e of parseSse(stream)) out.push(e);
  return out;
}

describe('parseSse', () => {
  it.each([
    {
      name: 'a named event',
      chunks: [sseEvent('done', { model: 'm' })],
      want: [{ event: 'done', data: '{"model":"m"}' }],
    },
    {
      name: 'data-only frames',
      chunks: ['data: a\n\ndata: [DONE]\n\n'],
      want: [
        { event: 'message', data: 'a' },
        { event: 'message', data: '[DONE]' },
      ],
    },
    {
      name: 'frames split across chunks',
      chunks: ['event: pro', 'gress\ndata: 1', '\n\n'],
      want: [{ event: 'progress', data: '1' }],
    },
    {
      name: 'comments and heartbeats',
      chunks: [': ping\n\n', 'data: x\n\n'],
      want: [{ event: 'message', data: 'x' }],
    },
    {
      name: 'multi-line data and CRLF',
      chunks: ['id: 7\r\ndata: a\r\ndata: b\r\n\r\n'],
      want: [{ event: 'message', data: 'a\nb', id: '7' }],
    },
    { name: 'an unterminated last frame', chunks: ['data: lost'], want: [] },
  ])('decodes $name', async ({ chunks, want }) => {
    expect(await decode(chunks)).toEqual(want);
  });
});
