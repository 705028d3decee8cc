import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { guardStream, streamFormat } from './stream-guard.js';

/** A body that sends `chunks` and then breaks. */
function breaking(chunks: string[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < chunks.length) this.push(Buffer.from(chunks[i++]!));
      else this.destroy(new Error('socket hang up'));
    },
  });
}

describe('guardStream', () => {
  it.each([
    {
      type: 'application/x-ndjson',
      path: '/api/generate',
      chunks: ['{"response":"a"}\n', '{"resp'],
      want: '{"response":"a"}\n{"resp\n{"error":"node x: socket hang up"}\n',
    },
    {
      type: 'text/event-stream',
      path: '/v1/chat/completions',
      chunks: ['data: {"a":1}\n\n'],
      want:
        'data: {"a":1}\n\n\ndata: {"error":{"message":"node x: socket hang up","type":"api_error","param":null,' +
        '"code":"NODE_UNAVAILABLE"}}\n\n',
    },
    {
      type: 'text/event-stream',
      path: '/v1/messages',
      chunks: ['event: ping\ndata: {"type":"ping"}\n\n'],
      want:
        'event: ping\ndata: {"type":"ping"}\n\n\nevent: error\ndata: {"type":"error","error":{"type":"api_error",' +
        '"message":"node x: socket hang up"}}\n\n',
    },
    {
      type: 'text/event-stream',
      path: '/v1/responses?x=1',
      chunks: ['event: response.created\ndata: {}\n\n'],
      want:
        'event: response.created\ndata: {}\n\n\nevent: error\ndata: {"type":"error","code":"NODE_UNAVAILABLE",' +
        '"message":"node x: socket hang up","param":null}\n\n',
    },
  ])(
    'ends a broken $type $path stream with an error in its own format',
    async ({ type, path, chunks, want }) => {
      const outcomes: string[] = [];
      const body = guardStream(
        breaking(chunks),
        streamFormat(type, path),
        (err) => `node x: ${(err as Error).message}`,
        (o) => outcomes.push(o),
      );
      expect(await text(body)).toBe(want);
      expect(outcomes).toEqual(['broken']);
    },
  );

  it('passes a whole body through and reports ok; a plain JSON body that breaks fails as it is', async () => {
    const outcomes: string[] = [];
    const ok = guardStream(Readable.from([Buffer.from('{"a":1}')]), 'other', String, (o) => outcomes.push(o));
    expect(await text(ok)).toBe('{"a":1}');
    const broken = guardStream(breaking(['{"a"']), 'other', String, (o) => outcomes.push(o));
    await expect(text(broken)).rejects.toThrow('socket hang up');
    expect(outcomes).toEqual(['ok', 'broken']);
  });

  it('lets go of the node body when its reader goes away, and reports cancelled', async () => {
    const outcomes: string[] = [];
    const endless = new Readable({ read() {} });
    endless.push(Buffer.from('{"response":"a"}\n'));
    const out = guardStream(endless, 'ndjson', String, (o) => outcomes.push(o));
    out.once('data', () => out.destroy());
    await new Promise((r) => endless.once('close', r));
    expect(endless.destroyed).toBe(true);
    expect(outcomes).toEqual(['cancelled']);
  });
});
