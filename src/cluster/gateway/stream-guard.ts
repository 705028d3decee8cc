/**
 * A node's response body, relayed untouched to the gateway's caller, except that a body that breaks after its first
 * byte (the node died, the connection reset) ends with one error in the stream's own format instead of a silent
 * cut: an NDJSON line `{"error":"…"}` for Ollama streams, an SSE `data: {"error":{…}}` frame for OpenAI streams.
 * Other bodies (plain JSON) cannot be repaired and fail as they are. Node streams throughout, written straight to
 * the caller's socket: the gateway's hot path.
 */
import type { Readable, Writable } from 'node:stream';

/**
 * How a broken body is ended: Ollama's NDJSON, OpenAI chat/completions SSE (`data:` only), Anthropic Messages SSE
 * and OpenAI Responses SSE (named `error` events, each in its own shape), or not at all.
 */
export type StreamFormat = 'ndjson' | 'sse' | 'sse-anthropic' | 'sse-responses' | 'other';

/** The format of a node's answer to `path` (the route, without its query) with `contentType`. */
export function streamFormat(contentType: string | null, path = ''): StreamFormat {
  if (contentType === null) return 'other';
  if (contentType.includes('ndjson')) return 'ndjson';
  if (!contentType.includes('text/event-stream')) return 'other';
  if (path.startsWith('/v1/messages')) return 'sse-anthropic';
  if (path.startsWith('/v1/responses')) return 'sse-responses';
  return 'sse';
}

function errorChunk(format: StreamFormat, message: string, endsLine: boolean): string | undefined {
  const lead = endsLine ? '' : '\n';
  if (format === 'ndjson') return `${lead}${JSON.stringify({ error: message })}\n`;
  if (format === 'sse') {
    const error = { message, type: 'api_error', param: null, code: 'NODE_UNAVAILABLE' };
    return `${lead}\ndata: ${JSON.stringify({ error })}\n\n`;
  }
  if (format === 'sse-anthropic') {
    const data = { type: 'error', error: { type: 'api_error', message } };
    return `${lead}\nevent: error\ndata: ${JSON.stringify(data)}\n\n`;
  }
  if (format === 'sse-responses') {
    const data = { type: 'error', code: 'NODE_UNAVAILABLE', message, param: null };
    return `${lead}\nevent: error\ndata: ${JSON.stringify(data)}\n\n`;
  }
  return undefined;
}

/** How a relay ended: the body ended (`ok`), broke (`broken`), or its destination went away (`cancelled`). */
export type RelayOutcome = 'ok' | 'broken' | 'cancelled';

/**
 * Writes `body` into `dest` as it arrives and ends `dest` with it, calling `done` once with how it ended. A break
 * is turned into an error in the stream's format (a plain body destroys `dest` with it); a destination that closes
 * first destroys `body`, so the request to the node is abandoned. No stream sits in between: each chunk is one
 * write. Resolves once the first chunk is written or the relay ended, whichever is first.
 */
export function relayStream(
  body: Readable,
  dest: Writable,
  format: StreamFormat,
  describe: (err: unknown) => string,
  done: (outcome: RelayOutcome) => void,
): Promise<void> {
  return new Promise<void>((started) => {
    let finished = false;
    let endsLine = true;
    const finish = (outcome: RelayOutcome) => {
      if (finished) return false;
      finished = true;
      started();
      done(outcome);
      return true;
    };
    const broken = (err: unknown) => {
      if (!finish('broken')) return;
      const chunk = errorChunk(format, describe(err), endsLine);
      if (chunk === undefined) dest.destroy(err instanceof Error ? err : new Error(String(err)));
      else dest.end(chunk);
    };
    if (dest.closed) {
      if (finish('cancelled')) body.destroy();
      return;
    }
    body.on('data', (chunk: Buffer) => {
      if (chunk.length > 0) endsLine = chunk[chunk.length - 1] === 0x0a;
      if (!dest.write(chunk)) {
        body.pause();
        dest.once('drain', () => body.resume());
      }
      started();
    });
    body.once('end', () => {
      if (finish('ok')) dest.end();
    });
    body.once('error', broken);
    // A body closed before its end without an error (a destroyed socket) is a break as well.
    body.once('close', () => {
      if (!body.readableEnded) broken(new Error('the connection closed before the response ended'));
    });
    dest.once('close', () => {
      if (finish('cancelled')) body.destroy();
    });
  });
}
