/**
 * `GET /api/queue`: inference requests waiting for a runner or running, per model, with ids, age and client;
 * `DELETE /api/requests/:id`: cancel one (its client gets `CANCELLED`, naming who cancelled).
 */
import { Hono } from 'hono';
import type { QueueResponse } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import type { AppDeps } from '../app-deps.js';
import { principalOf } from '../auth-context.js';

export function queueRoutes({ inference }: AppDeps): Hono {
  const app = new Hono();

  app.get('/api/queue', (c) => {
    const now = Date.now();
    const requests = inference.requests.list();
    const perModel = new Map<string, { model: string; waiting: number; running: number }>();
    for (const r of requests) {
      const row = perModel.get(r.model) ?? { model: r.model, waiting: 0, running: 0 };
      row[r.state]++;
      perModel.set(r.model, row);
    }
    const body: QueueResponse = {
      models: [...perModel.values()],
      requests: requests.map((r) => ({
        id: r.id,
        model: r.model,
        kind: r.kind,
        state: r.state,
        client: r.client,
        received_at: r.receivedAt.toISOString(),
        started_at: r.startedAt === null ? null : r.startedAt.toISOString(),
        age_ms: now - r.receivedAt.getTime(),
      })),
    };
    return c.json(body);
  });

  app.delete('/api/requests/:id', (c) => {
    const id = c.req.param('id');
    const by = principalOf(c);
    if (!inference.requests.cancel(id, by.kind === 'anonymous' ? 'an operator' : by.name)) {
      throw new AppError('RESOURCE_NOT_FOUND', `no request "${id}" is waiting or running`);
    }
    return c.json({ status: 'cancelled', id });
  });

  return app;
}
