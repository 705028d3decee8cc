/** Ollama model-management routes: tags, show, copy, delete (Ollama `server/routes.go`). */
import { Hono } from 'hono';
import { copyRequestSchema, deleteRequestSchema, showRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { toListedModel, toShowResponse } from './model-wire.js';

export function modelsRoutes({ store }: AppDeps): Hono {
  const app = new Hono();

  app.get('/api/tags', async (c) => c.json({ models: (await store.list()).map(toListedModel) }));

  app.post('/api/show', async (c) => {
    const req = await parseBody(c, showRequestSchema);
    return c.json(toShowResponse(await store.show(req.model, { verbose: req.verbose ?? false })));
  });

  app.post('/api/copy', async (c) => {
    const req = await parseBody(c, copyRequestSchema);
    await store.copy(req.source, req.destination);
    return c.body(null, 200);
  });

  app.delete('/api/delete', async (c) => {
    const req = await parseBody(c, deleteRequestSchema);
    await store.delete(req.model);
    return c.body(null, 200);
  });

  return app;
}
