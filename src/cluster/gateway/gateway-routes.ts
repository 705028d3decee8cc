/**
 * The gateway's own routes: inference proxied to nodes (the body is read once, its `model` picks the node), the
 * model listings as the union over ready nodes, the cluster's node table, and the probes.
 */
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { text as readText } from 'node:stream/consumers';
import { AppError, type Logger } from '../../core/index.js';
import type { Database, ListedClusterNode } from '../../db/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { NodeDirectory } from './node-directory.js';
import type { NodeRouter } from './node-router.js';
import { fanOut, sendToEach } from './fan-out.js';
import { modelNotFound, modelOnNode } from './rank-nodes.js';
import { callerGone, sendAnswer } from './send-answer.js';

/** What {@link gatewayRoutes} needs. */
export interface GatewayRouteDeps {
  db: Pick<Database, 'ping'>;
  directory: NodeDirectory;
  router: NodeRouter;
  breaker: CircuitBreaker;
  log: Logger;
  /** Sent to nodes reached through a gateway's relay (nodes behind NAT). */
  clusterSecret?: string;
}

/**
 * Proxied as they are to one node that has the model: each names it in the body's `model` (or, for `/api/show`,
 * `name`). `/api/pull` goes to one node as well, chosen by `pullTargets`.
 */
export const PROXIED_ROUTES = [
  '/api/generate',
  '/api/chat',
  '/api/embed',
  '/api/embeddings',
  '/api/show',
  '/api/load',
  '/api/tokenize',
  '/api/detokenize',
  '/api/rerank',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
  '/v1/rerank',
] as const;

/** The request's session for affinity: `X-Corral-Session`, else OpenAI's `user`, else Anthropic's user id. */
function sessionOf(c: Context, fields: Record<string, unknown>): string | undefined {
  const header = c.req.header('x-corral-session');
  if (header !== undefined && header !== '') return header;
  if (typeof fields.user === 'string' && fields.user !== '') return fields.user;
  const metadata = fields.metadata;
  if (metadata !== null && typeof metadata === 'object') {
    const id = (metadata as Record<string, unknown>).user_id;
    if (typeof id === 'string' && id !== '') return id;
  }
  return undefined;
}

/**
 * The request body as text, read straight from the socket (`c.env.incoming`): a WHATWG body stream per request
 * was a share of what the gateway added to the first token. A body that has fully arrived (its declared length is
 * buffered, as it is when it came in the request's first packets) is taken at once; the rest is read as it comes.
 * The app's body limit has already applied: a declared length was checked against it, and a chunked body was
 * read and counted by Hono's middleware, in which case Hono's cached copy is used (as it is when the audit of a
 * route with a body target read the body).
 */
async function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming === undefined || incoming.readableDidRead) return c.req.text();
  const length = Number(incoming.headers['content-length']);
  if (length > 0 && incoming.readableLength === length) {
    const whole = incoming.read() as Buffer;
    // Read on to its end (nothing is left but the end itself), so the request counts as consumed and
    // @hono/node-server does not drain it with timers after the answer.
    incoming.resume();
    return whole.toString();
  }
  return readText(incoming);
}

async function modelOf(c: Context): Promise<{ body: string; model: string; session: string | undefined }> {
  const body = await bodyText(c);
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
  return { body, model, session: sessionOf(c, fields) };
}

export function gatewayRoutes(deps: GatewayRouteDeps): Hono {
  const app = new Hono();
  const { directory, router, breaker } = deps;

  for (const path of [...PROXIED_ROUTES, '/api/pull']) {
    app.post(path, async (c) => {
      const { body, model, session } = await modelOf(c);
      const query = c.req.url.indexOf('?');
      const answer = await router.forward({
        path: query === -1 ? path : `${path}${c.req.url.slice(query)}`,
        body,
        model,
        accept: c.req.header('accept'),
        signal: callerGone(c),
        session,
        pull: path === '/api/pull',
      });
      return sendAnswer(c, answer);
    });
  }

  // Deleting and unloading act on every ready node that stores (loads) the model: the cluster's copy is gone
  // only when each node's is. Nodes that fail are named; those that succeeded stay done.
  const everywhere = async (
    c: Context,
    method: 'POST' | 'DELETE',
    path: string,
    holds: (node: ListedClusterNode, model: string) => boolean,
  ) => {
    const { body, model } = await modelOf(c);
    const nodes = (await directory.fresh()).filter((n) => n.ready && holds(n, model));
    const results = await sendToEach(nodes, method, path, body, deps.log, deps.clusterSecret);
    // A node's 404 says it no longer holds the model (the listing was a heartbeat old): not a failure.
    const done = results.filter((r) => r.status >= 200 && r.status < 300);
    const failed = results.filter((r) => r.status !== 404 && !done.includes(r));
    if (failed.length > 0) {
      const which = failed.map((r) => `${r.node.name} (${r.status || 'no answer'}: ${r.detail})`);
      throw new AppError(
        'NODE_UNAVAILABLE',
        `${path} failed on ${which.join(', ')} and succeeded on ${done.length} node(s)`,
      );
    }
    if (done.length === 0) throw modelNotFound(model);
    return c.json({ model, nodes: done.map((r) => r.node.name) });
  };
  app.delete('/api/delete', (c) =>
    everywhere(c, 'DELETE', '/api/delete', (n, model) => modelOnNode(n, model).stored),
  );
  app.post('/api/unload', (c) =>
    everywhere(c, 'POST', '/api/unload', (n, model) => modelOnNode(n, model).loaded),
  );

  const fan = (path: string) => fanOut(directory, path, deps.log, deps.clusterSecret);
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
