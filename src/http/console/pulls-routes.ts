/**
 * `POST /api/pulls`: start a pull that runs on after the client leaves (202), and `GET /api/pulls/events`:
 * server-sent events for the console's Downloads page: a `snapshot` (the `GET /api/pulls` body) on connect, then
 * `progress`, `done` and `failed` events from the {@link PullMonitor}, and a `: ping` comment every 15 s so
 * proxies keep the connection. The stream ends when the client leaves or the server shuts down; either way its
 * subscription and timers go.
 */
import { Hono } from 'hono';
import { startPullRequestSchema } from '../../api/index.js';
import { sseEvent } from '../../lib/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';

export function pullsRoutes({ pullMonitor }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/pulls', async (c) => {
    const req = await parseBody(c, startPullRequestSchema);
    await pullMonitor.start(req.model, req.insecure ?? false);
    return c.json({ status: 'started' }, 202);
  });

  app.get('/api/pulls/events', async (c) => {
    const snapshot = await pullMonitor.list();
    const encoder = new TextEncoder();
    const signal = c.req.raw.signal;
    let stop: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        let unsubscribe = () => undefined as void;
        const send = (text: string) => {
          if (open) controller.enqueue(encoder.encode(text));
        };
        const end = (): boolean => {
          if (!open) return false;
          open = false;
          unsubscribe();
          signal.removeEventListener('abort', onAbort);
          return true;
        };
        const onAbort = () => {
          if (end()) controller.close();
        };
        send(sseEvent('snapshot', snapshot));
        signal.addEventListener('abort', onAbort, { once: true });
        unsubscribe = pullMonitor.subscribe({
          onEvent: (e) => send(sseEvent(e.event, e.data)),
          onHeartbeat: () => send(': ping\n\n'),
          onClose: onAbort,
        });
        if (!open) unsubscribe();
        stop = end;
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
  });

  return app;
}
