/**
 * A server-sent events response that lives until the client leaves or the source ends it. `open` receives
 * `send` and `end` and returns its unsubscribe function, which runs exactly once however the stream ends
 * (client gone, `end()` called, or the body cancelled), so no subscription or timer outlives the stream.
 */
import { sseEvent } from '../lib/index.js';

export interface SseSink {
  /** Sends one named event with a JSON payload (ignored once the stream has ended). */
  send(event: string, data: unknown): void;
  /** Sends a comment line (keep-alive for proxies). */
  comment(text: string): void;
  /** Ends the stream. */
  end(): void;
}

export function sseResponse(signal: AbortSignal, open: (sink: SseSink) => () => void): Response {
  const encoder = new TextEncoder();
  let stop: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let live = true;
      const subscription: { stop?: () => void } = {};
      const finish = (): boolean => {
        if (!live) return false;
        live = false;
        subscription.stop?.();
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (finish()) controller.close();
      };
      const write = (text: string) => {
        if (live) controller.enqueue(encoder.encode(text));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const unsubscribe = open({
        send: (event, data) => write(sseEvent(event, data)),
        comment: (text) => write(`: ${text}\n\n`),
        end: onAbort,
      });
      subscription.stop = unsubscribe;
      if (!live) unsubscribe();
      stop = finish;
      if (signal.aborted) onAbort();
    },
    cancel() {
      stop?.();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    },
  });
}
