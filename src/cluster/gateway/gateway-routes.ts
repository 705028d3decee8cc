/**
 * The gateway's own routes: inference proxied to nodes (the body is read once, its `model` picks the node), the
 * model listings as the union over ready nodes, the cluster's node table, and the probes.
 */
import { Hono, type Context } from 'hono';
import { AppError, type Logger } from '../../core/index.js';
import type { Database } from '../../db/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { NodeDirectory } from './node-directory.js';
import type { NodeRouter } from './node-router.js';
import { fanOut } from './fan-out.js';
import { sendAnswer } from './send-answer.js';

/** What {@link gatewayRoutes} needs. */
export interface GatewayRouteDeps {
  db: Pick<Database, 'ping'>;
  directory: NodeDirectory;
  router: NodeRouter;
  breaker: CircuitBreaker;
  log: Logger;
}

/** Proxied as they are: each names its model in the body's `model` (or, for `/api/show`, `name`). */
export const PROXIED_ROUTES = [
  '/api/generate',
  '/api/chat',
  '/api/embed',
  '/api/embeddings',
  '/api/show',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
] as const;

async function modelOf(c: Context): Promise<{ body: string; model: string }> {
  const body = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new AppError('INVALID_REQUEST', 'the request body is not valid JSON', { cause: err });
  }
  const fields = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const model = typeof fields.model === 'string' && fields.model !== '' ? fields.model : fields.name;
  if (typeof model !== 'string' || model === '') {
    throw new AppError('INVALID_REQUEST', 'the request names no model ("model")', {
      details: { field: 'model' },
    });
  }
  return { body, model };
}

export function gatewayRoutes(deps: GatewayRouteDeps): Hono {
  const app = new Hono();
  const { directory, router, breaker } = deps;

  for (const path of PROXIED_ROUTES) {
    app.post(path, async (c) => {
      const { body, model } = await modelOf(c);
      const url = new URL(c.req.url);
      const answer = await router.forward({
        path: `${path}${url.search}`,
        body,
        model,
        accept: c.req.header('accept'),
        signal: c.req.raw.signal,
      });
      return sendAnswer(c, answer, deps.log);
    });
  }

  const fan = (path: string) => fanOut(directory, path, deps.log);
  app.get('/api/tags', async (c) => {
    const seen = new Map<string, unknown>();
    for (const { body } of await fan('/api/tags')) {
      for (const m of (body as { models?: Array<{ name: string }> }).models ?? []) {
        if (!seen.has(m.name)) seen.set(m.name, m);
      }
    }
    return c.json({ models: [...seen.values()] });
  });
  app.get('/v1/models', async (c) => {
    const seen = new Map<string, unknown>();
    for (const { body } of await fan('/v1/models')) {
      for (const m of (body as { data?: Array<{ id: string }> }).data ?? []) {
        if (!seen.has(m.id)) seen.set(m.id, m);
      }
    }
    return c.json({ object: 'list', data: [...seen.values()] });
  });
  app.get('/api/ps', async (c) => {
    const models: unknown[] = [];
    for (const { node, body } of await fan('/api/ps')) {
      for (const m of (body as { models?: object[] }).models ?? []) models.push({ ...m, node: node.name });
    }
    return c.json({ models });
  });

  app.get('/api/cluster/nodes', async (c) => {
    const nodes = await directory.nodes();
    return c.json({
      staleAfterMs: directory.staleAfterMs,
      nodes: nodes.map((n) => ({
        id: n.id,
        name: n.name,
        url: n.url,
        state: n.state,
        ready: n.ready,
        ageMs: n.ageMs,
        epoch: n.epoch,
        joinedAt: n.joinedAt.toISOString(),
        lastHeartbeat: n.lastHeartbeat.toISOString(),
        breaker: breaker.state(n.id),
        gatewayInFlight: router.inFlight(n.id),
        report: n.report,
      })),
    });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.db.ping();
      return c.json({ status: 'ok' });
    } catch (err) {
      // The failure is the answer: the probe reports it.
      deps.log.warn({ err }, 'not ready');
      return c.json({ status: 'unavailable', failed: [{ name: 'database', error: String(err) }] }, 503);
    }
  });
  return app;
}
