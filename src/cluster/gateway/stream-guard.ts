/**
 * A node's response body, passed through untouched, except that a body that breaks after its first byte (the node
 * died, the connection reset) ends with one error in the stream's own format instead of a silent cut: an NDJSON
 * line `{"error":"…"}` for Ollama streams, an SSE `data: {"error":{…}}` frame for OpenAI streams. Other bodies
 * (plain JSON) cannot be repaired and fail as they are.
 */

/** How a broken body is ended. */
export type StreamFormat = 'ndjson' | 'sse' | 'other';

export function streamFormat(contentType: string | null): StreamFormat {
  if (contentType === null) return 'other';
  if (contentType.includes('ndjson')) return 'ndjson';
  if (contentType.includes('text/event-stream')) return 'sse';
  return 'other';
}

function errorChunk(format: StreamFormat, message: string, endsLine: boolean): Uint8Array | undefined {
  const lead = endsLine ? '' : '\n';
  if (format === 'ndjson') return new TextEncoder().encode(`${lead}${JSON.stringify({ error: message })}\n`);
  if (format === 'sse') {
    const error = { message, type: 'api_error', param: null, code: 'NODE_UNAVAILABLE' };
    return new TextEncoder().encode(`${lead}\ndata: ${JSON.stringify({ error })}\n\n`);
  }
  return undefined;
}

/** `body` with `done` called once when it ends, fails or is cancelled, and breaks turned into error lines. */
export function guardStream(
  body: ReadableStream<Uint8Array>,
  format: StreamFormat,
  describe: (err: unknown) => string,
  done: (outcome: 'ok' | 'broken' | 'cancelled') => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  let endsLine = true;
  const finish = (outcome: 'ok' | 'broken' | 'cancelled') => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          finish('ok');
          controller.close();
          return;
        }
        if (next.value.length > 0) endsLine = next.value[next.value.length - 1] === 0x0a;
        controller.enqueue(next.value);
      } catch (err) {
        finish('broken');
        const chunk = errorChunk(format, describe(err), endsLine);
        if (chunk === undefined) {
          controller.error(err);
          return;
        }
        controller.enqueue(chunk);
        controller.close();
      }
    },
    cancel(reason) {
      finish('cancelled');
      return reader.cancel(reason);
    },
  });
}
