import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { relayStream, streamFormat, type RelayOutcome, type StreamFormat } from './stream-guard.js';

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

/** `body` relayed into a fresh destination, which is returned; each outcome is pushed onto `outcomes`. */
function relayed(body: Readable, format: StreamFormat, outcomes: RelayOutcome[]): PassThrough {
  const dest = new PassThrough();
  void relayStream(
    body,
    dest,
    format,
    (err) => `node x: ${(err as Error).message}`,
    (o) => outcomes.push(o),
  );
  return dest;
}

describe('relayStream', () => {
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
      const outcomes: RelayOutcome[] = [];
      expect(await text(relayed(breaking(chunks), streamFormat(type, path), outcomes))).toBe(want);
      expect(outcomes).toEqual(['broken']);
    },
  );

  it('passes a whole body through and reports ok; a plain JSON body that breaks fails as it is', async () => {
    const outcomes: RelayOutcome[] = [];
    expect(await text(relayed(Readable.from([Buffer.from('{"a":1}')]), 'other', outcomes))).toBe('{"a":1}');
    await expect(text(relayed(breaking(['{"a"']), 'other', outcomes))).rejects.toThrow('socket hang up');
    expect(outcomes).toEqual(['ok', 'broken']);
  });

  it('lets go of the node body when its destination goes away, and reports cancelled', async () => {
    const outcomes: RelayOutcome[] = [];
    const endless = new Readable({ read() {} });
    endless.push(Buffer.from('{"response":"a"}\n'));
    const out = relayed(endless, 'ndjson', outcomes);
    out.once('data', () => out.destroy());
    await new Promise((r) => endless.once('close', r));
    expect(endless.destroyed).toBe(true);
    expect(outcomes).toEqual(['cancelled']);
    // A destination already gone: the body is let go at once.
    const late = new Readable({ read() {} });
    const gone = new PassThrough();
    gone.destroy();
    await new Promise((r) => gone.once('close', r));
    await relayStream(late, gone, 'ndjson', String, (o) => outcomes.push(o));
    expect(late.destroyed).toBe(true);
    expect(outcomes).toEqual(['cancelled', 'cancelled']);
  });

  it('resolves once the first chunk is written, and holds the body back while the destination is full', async () => {
    const body = new Readable({ read() {} });
    const dest = new PassThrough({ highWaterMark: 4 });
    let started = false;
    const first = relayStream(body, dest, 'ndjson', String, () => {}).then(() => (started = true));
    await new Promise((r) => setImmediate(r));
    expect(started).toBe(false);
    body.push(Buffer.from('{"a":1}\n'));
    await first;
    expect(String(dest.read())).toBe('{"a":1}\n');
    body.push(Buffer.from('0123456789'));
    await new Promise((r) => setImmediate(r));
    expect(body.isPaused()).toBe(true); // the destination is over its mark: no more reads from the node
    dest.read();
    await new Promise((r) => setImmediate(r));
    expect(body.isPaused()).toBe(false);
  });
});
