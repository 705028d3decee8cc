/**
 * `POST /api/load` and `POST /api/unload`: explicit model lifecycle (Ollama only has the empty-prompt form of
 * `/api/generate`, which still works). `keep_alive: -1` pins a model: it never expires and is never evicted to
 * make room; loading another model that only fits without it fails with `INSUFFICIENT_MEMORY` instead of waiting.
 */
import { Hono } from 'hono';
import { type LoadResponse, loadRequestSchema, unloadRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { keepAliveMs } from './translate.js';

export function lifecycleRoutes({ inference }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/load', async (c) => {
    const req = await parseBody(c, loadRequestSchema);
    const loadMs = await inference.load(req.model, keepAliveMs(req.keep_alive), req.options ?? {});
    const resolved = await inference.resolve(req.model);
    const row = inference.ps().find((m) => m.modelKey === resolved.key);
    const body: LoadResponse = {
      model: resolved.name,
      status: 'loaded',
      load_duration: Math.round(loadMs * 1e6),
      expires_at: row?.expiresAt === null || row === undefined ? null : row.expiresAt.toISOString(),
    };
    return c.json(body);
  });

  app.post('/api/unload', async (c) => {
    const req = await parseBody(c, unloadRequestSchema);
    await inference.unload(req.model);
    return c.json({ model: req.model, status: 'unloaded' });
  });

  return app;
}
