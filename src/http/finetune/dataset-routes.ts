/**
 * Fine-tuning datasets: upload (JSON `{name, content, format?}`, or raw JSON Lines with `?name=&format=`),
 * list, details with a preview, token statistics with a model's tokenizer, delete.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../core/index.js';
import { DATASET_FORMATS } from '../../finetune/index.js';
import type { AppDeps } from '../app-deps.js';
import { principalOf } from '../auth-context.js';
import { parseBody, parseQuery } from '../parse-body.js';
import { datasetView } from './finetune-views.js';

const createSchema = z
  .object({
    name: z.string().min(1, 'name the dataset'),
    content: z.string(),
    format: z.enum(DATASET_FORMATS).optional(),
  })
  .strict();
const rawQuery = z.object({
  name: z.string().min(1, 'name the dataset'),
  format: z.enum(DATASET_FORMATS).optional(),
});
const statsQuery = z.object({ model: z.string().min(1, 'name the model whose tokenizer counts the tokens') });

export function datasetRoutes({ finetune }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/finetune/datasets', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const input = /^application\/json\s*(;|$)/i.test(type)
      ? await parseBody(c, createSchema)
      : { ...parseQuery(c, rawQuery), content: await c.req.text() };
    if (input.content.trim() === '') throw new AppError('INVALID_REQUEST', 'the dataset is empty');
    const created = await finetune.createDataset({ ...input, createdBy: principalOf(c).userId ?? null });
    return c.json(datasetView(created), 201);
  });

  app.get('/api/finetune/datasets', async (c) =>
    c.json({ datasets: (await finetune.listDatasets()).map(datasetView) }),
  );

  app.get('/api/finetune/datasets/:id', async (c) => {
    const dataset = await finetune.dataset(c.req.param('id'));
    return c.json({ ...datasetView(dataset), preview: await finetune.preview(dataset.id) });
  });

  app.get('/api/finetune/datasets/:id/stats', async (c) => {
    const { model } = parseQuery(c, statsQuery);
    const s = await finetune.stats(c.req.param('id'), model, c.req.raw.signal);
    return c.json({
      model: s.model,
      examples: s.examples,
      tokens: s.tokens,
      trained_tokens: s.trainedTokens,
      longest: s.longest,
      mean: s.mean,
    });
  });

  app.delete('/api/finetune/datasets/:id', async (c) => {
    await finetune.deleteDataset(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
