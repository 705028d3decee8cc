/**
 * Streams lines produced by an operation (NDJSON for Ollama, SSE for OpenAI). Per DESIGN.md: an error before
 * the first line is thrown, so the client gets a real status; after it, an error line is written and the stream
 * closes. A client that disconnects aborts `signal`, which the operation passes down to cancel its work.
 */
import type { AppError } from '../core/index.js';
import { toAppError } from './errors.js';

export interface StreamFormat {
  contentType: string;
  encode(value: unknown): string;
  encodeError(err: AppError): string;
  /** Written after the last line (SSE's `[DONE]`). */
  end?: string;
}

export const ndjsonFormat: StreamFormat = {
  contentType: 'application/x-ndjson',
  encode: (value) => `${JSON.stringify(value)}\n`,
  encodeError: (err) => `${JSON.stringify({ error: err.message })}\n`,
};

type Emit = (value: unknown) => void;

/**
 * Run `operation`, streaming what it emits. Resolves with the response once the first line exists (or rejects
 * with the operation's error when it fails before that).
 */
export async function streamResponse(
  request: Request,
  format: StreamFormat,
  operation: (emit: Emit, signal: AbortSignal) => Promise<void>,
  onLateError: (err: AppError) => void,
): Promise<Response> {
  const abort = new AbortController();
  const onClientGone = () => abort.abort(new DOMException('client disconnected', 'AbortError'));
  request.signal.addEventListener('abort', onClientGone, { once: true });
  const encoder = new TextEncoder();
  const pending: string[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let finished = false;
  let started!: () => void;
  const firstLine = new Promise<void>((resolve) => (started = resolve));

  const write = (text: string) => {
    if (controller) controller.enqueue(encoder.encode(text));
    else pending.push(text);
  };
  const emit: Emit = (value) => {
    if (finished || abort.signal.aborted) return;
    write(format.encode(value));
    started();
  };
  const close = () => {
    try {
      controller?.close();
    } catch (err) {
      // The client went away and the stream is already cancelled: nothing is left to deliver.
      void err;
    }
  };
  const finish = (tail: string | undefined) => {
    request.signal.removeEventListener('abort', onClientGone);
    finished = true;
    if (tail && !abort.signal.aborted) write(tail);
    close();
  };
  const done = operation(emit, abort.signal).then(
    () => finish(format.end),
    (err: unknown) => {
      const appErr = toAppError(err);
      if (pending.length === 0 && !controller) {
        request.signal.removeEventListener('abort', onClientGone);
        throw appErr;
      }
      onLateError(appErr);
      finish(format.encodeError(appErr) + (format.end ?? ''));
    },
  );
  await Promise.race([firstLine, done]);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      for (const text of pending.splice(0)) c.enqueue(encoder.encode(text));
      if (finished) close();
    },
    cancel() {
      onClientGone();
    },
  });
  return new Response(body, { headers: { 'content-type': format.contentType, 'cache-control': 'no-cache' } });
}
