/**
 * A node's response body, passed through untouched, except that a body that breaks after its first byte (the node
 * died, the connection reset) ends with one error in the stream's own format instead of a silent cut: an NDJSON
 * line `{"error":"…"}` for Ollama streams, an SSE `data: {"error":{…}}` frame for OpenAI streams. Other bodies
 * (plain JSON) cannot be repaired and fail as they are. Node streams throughout: the gateway's hot path.
 */
import { PassThrough, type Readable } from 'node:stream';

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

/**
 * `body` with `done` called once when it ends (`ok`), breaks (`broken`) or its reader goes away (`cancelled`,
 * which also destroys `body`, so the request to the node is abandoned), and breaks turned into error lines.
 */
export function guardStream(
  body: Readable,
  format: StreamFormat,
  describe: (err: unknown) => string,
  done: (outcome: 'ok' | 'broken' | 'cancelled') => void,
): Readable {
  const out = new PassThrough();
  let finished = false;
  let endsLine = true;
  const finish = (outcome: 'ok' | 'broken' | 'cancelled') => {
    if (finished) return false;
    finished = true;
    done(outcome);
    return true;
  };
  const broken = (err: unknown) => {
    if (!finish('broken')) return;
    const chunk = errorChunk(format, describe(err), endsLine);
    if (chunk === undefined) out.destroy(err instanceof Error ? err : new Error(String(err)));
    else out.end(chunk);
  };
  body.on('data', (chunk: Buffer) => {
    if (chunk.length > 0) endsLine = chunk[chunk.length - 1] === 0x0a;
    if (!out.write(chunk)) {
      body.pause();
      out.once('drain', () => body.resume());
    }
  });
  body.once('end', () => {
    if (finish('ok')) out.end();
  });
  body.once('error', broken);
  // A body closed before its end without an error (a destroyed socket) is a break as well.
  body.once('close', () => {
    if (!body.readableEnded) broken(new Error('the connection closed before the response ended'));
  });
  out.once('close', () => {
    if (finish('cancelled')) body.destroy();
  });
  return out;
}
