/** `HEAD`/`POST /api/blobs/:digest`: clients upload GGUF files before `/api/create` references them. */
import { Hono } from 'hono';
import { AppError } from '../../core/index.js';
import { normalizeDigest } from '../../lib/index.js';
import type { AppDeps } from '../app-deps.js';

function digestParam(raw: string): string {
  const digest = normalizeDigest(raw);
  if (digest === undefined)
    throw new AppError('INVALID_DIGEST', `invalid digest "${raw}": expected sha256:<64 hex>`);
  return digest;
}

export function blobsRoutes({ store }: AppDeps): Hono {
  const app = new Hono();

  // Hono answers HEAD with the GET handler (body dropped): this is `HEAD /api/blobs/:digest`.
  app.get('/api/blobs/:digest', async (c) => {
    const digest = digestParam(c.req.param('digest'));
    return c.body(null, (await store.hasBlob(digest)) ? 200 : 404);
  });

  app.post('/api/blobs/:digest', async (c) => {
    const digest = digestParam(c.req.param('digest'));
    const body = c.req.raw.body;
    if (body === null) throw new AppError('INVALID_REQUEST', 'the request has no body to store');
    await store.importBlob(body, digest);
    return c.body(null, 201);
  });

  return app;
}
