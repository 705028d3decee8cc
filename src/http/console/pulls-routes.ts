/**
 * `POST /api/pulls`: start a pull that runs on after the client leaves (202), and `GET /api/pulls/events`:
 * server-sent events for the console's Downloads page: a `snapshot` (the `GET /api/pulls` body) on connect, then
 * `progress`, `done` and `failed` events from the {@link PullMonitor}, and a `: ping` comment every 15 s so
 * proxies keep the connection. The stream ends when the client leaves or the server shuts down; either way its
 * subscription and timers go.
 */
import { Hono } from 'hono';
import { startPullRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { sseResponse } from '../sse-response.js';

export function pullsRoutes({ pullMonitor }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/pulls', async (c) => {
    const req = await parseBody(c, startPullRequestSchema);
    await pullMonitor.start(req.model, req.insecure ?? false);
    return c.json({ status: 'started' }, 202);
  });

  app.get('/api/pulls/events', async (c) => {
    const snapshot = await pullMonitor.list();
    return sseResponse(c.req.raw.signal, (sink) => {
      sink.send('snapshot', snapshot);
      return pullMonitor.subscribe({
        onEvent: (e) => sink.send(e.event, e.data),
        onHeartbeat: () => sink.comment('ping'),
        onClose: () => sink.end(),
      });
    });
  });

  return app;
}
