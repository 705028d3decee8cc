/** `POST /api/embed` (batch) and the legacy `POST /api/embeddings` (one prompt). */
import { Hono } from 'hono';
import { embeddingsRequestSchema, embedRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { fromEmbedInput, keepAliveMs } from './translate.js';

const ns = (ms: number) => Math.round(ms * 1e6);

export function embedRoutes({ inference }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/embed', async (c) => {
    const body = await parseBody(c, embedRequestSchema);
    const out = await inference.embed(
      {
        model: body.model,
        inputs: fromEmbedInput(body),
        truncate: body.truncate ?? true,
        dimensions: body.dimensions,
        options: body.options ?? {},
        keepAliveMs: keepAliveMs(body.keep_alive),
      },
      c.req.raw.signal,
    );
    return c.json({
      model: body.model,
      embeddings: out.embeddings,
      total_duration: ns(out.totalMs),
      load_duration: ns(out.loadMs),
      prompt_eval_count: out.promptTokens,
    });
  });

  app.post('/api/embeddings', async (c) => {
    const body = await parseBody(c, embeddingsRequestSchema);
    const out = await inference.embed(
      {
        model: body.model,
        inputs: [body.prompt],
        truncate: true,
        normalize: false,
        options: body.options ?? {},
        keepAliveMs: keepAliveMs(body.keep_alive),
      },
      c.req.raw.signal,
    );
    return c.json({ embedding: out.embeddings[0] ?? [] });
  });

  return app;
}
