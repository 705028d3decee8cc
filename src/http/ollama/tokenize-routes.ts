/** `POST /api/tokenize` and `POST /api/detokenize`: the model's own tokenizer, as llama.cpp's server offers. */
import { Hono } from 'hono';
import { detokenizeRequestSchema, tokenizeRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';

export function tokenizeRoutes({ inference }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/tokenize', async (c) => {
    const req = await parseBody(c, tokenizeRequestSchema);
    const tokens = await inference.tokenize(req.model, req.content, c.req.raw.signal);
    return c.json({ model: req.model, tokens });
  });

  app.post('/api/detokenize', async (c) => {
    const req = await parseBody(c, detokenizeRequestSchema);
    const content = await inference.detokenize(req.model, req.tokens, c.req.raw.signal);
    return c.json({ model: req.model, content });
  });

  return app;
}
