/** `GET /api/logs?level=info&limit=200&component=runner`: the newest lines of the in-memory log ring, oldest first. */
import { Hono } from 'hono';
import { type LogLine, logsQuerySchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseQuery } from '../parse-body.js';

export function logsRoute({ logs }: AppDeps): Hono {
  const app = new Hono();

  app.get('/api/logs', (c) => {
    const query = parseQuery(c, logsQuerySchema);
    return c.json({ lines: logs.query(query) as LogLine[] });
  });

  return app;
}
