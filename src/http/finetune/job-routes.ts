/** Fine-tuning jobs: create (queued), list, details with the loss curve, logs, cancel, resume, delete. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { principalOf } from '../auth-context.js';
import { parseQuery, readJsonBody } from '../parse-body.js';
import { jobView, metricView } from './finetune-views.js';

const logsQuery = z.object({ tail: z.coerce.number().int().min(1).max(10_000).default(500) });

export function jobRoutes({ finetune }: AppDeps): Hono {
  const app = new Hono();

  app.post('/api/finetune/jobs', async (c) => {
    const job = await finetune.createJob(await readJsonBody(c), principalOf(c).userId ?? null);
    return c.json(jobView(job), 201);
  });

  app.get('/api/finetune/jobs', async (c) => c.json({ jobs: (await finetune.listJobs()).map(jobView) }));

  app.get('/api/finetune/jobs/:id', async (c) => {
    const job = await finetune.job(c.req.param('id'));
    return c.json({ ...jobView(job), metrics: (await finetune.metrics(job.id)).map(metricView) });
  });

  app.get('/api/finetune/jobs/:id/logs', async (c) => {
    const { tail } = parseQuery(c, logsQuery);
    const job = await finetune.job(c.req.param('id'));
    return c.json({ lines: await finetune.logs(job.id, tail) });
  });

  app.post('/api/finetune/jobs/:id/cancel', async (c) =>
    c.json(jobView(await finetune.cancel(c.req.param('id')))),
  );

  app.post('/api/finetune/jobs/:id/resume', async (c) =>
    c.json(jobView(await finetune.resume(c.req.param('id')))),
  );

  app.delete('/api/finetune/jobs/:id', async (c) => {
    await finetune.deleteJob(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
