/** `POST /v1/embeddings`, `GET /v1/models`, `GET /v1/models/:id`. */
import { Hono } from 'hono';
import { openaiEmbeddingsRequestSchema } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { fromEmbeddingsRequest, toEmbeddingsResponse } from './translate-embeddings.js';
import { toModel, toModelList } from './translate-models.js';

export function openaiModelsRoutes({ inference, store }: AppDeps): Hono {
  const app = new Hono();

  app.post('/v1/embeddings', async (c) => {
    const body = await parseBody(c, openaiEmbeddingsRequestSchema);
    const out = await inference.embed(fromEmbeddingsRequest(body), c.req.raw.signal);
    return c.json(toEmbeddingsResponse(out, body.encoding_format ?? 'float'));
  });

  app.get('/v1/models', async (c) => {
    const models = await store.list();
    return c.json(toModelList(models.map((m) => ({ name: m.name.display, modifiedAt: m.modifiedAt }))));
  });

  // Model ids contain `/` and `:` (`ns/model:tag`), so the id is the rest of the path.
  app.get('/v1/models/*', async (c) => {
    const id = decodeURIComponent(c.req.path.slice('/v1/models/'.length));
    const model = await store.get(id);
    if (model === undefined) throw new AppError('MODEL_NOT_FOUND', `model "${id}" not found`);
    return c.json(toModel({ name: model.name.display, modifiedAt: model.modifiedAt }));
  });

  return app;
}
