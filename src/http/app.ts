/**
 * Builds the Hono app from its dependencies; it never listens (`server.ts` does). Tests call `app.request()`.
 * The route table below is the one place that shows every endpoint, grouped as Ollama's `GenerateRoutes`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { AppError } from '../core/index.js';
import type { AppDeps } from './app-deps.js';
import { dialectOf, errorBody, toAppError } from './errors.js';
import { corsOrigins } from './middleware/cors-origins.js';
import { hostCheck } from './middleware/host-check.js';
import { requestLog } from './middleware/request-log.js';
import { blobsRoutes } from './ollama/blobs-routes.js';
import { createRoute } from './ollama/create-route.js';
import { embedRoutes } from './ollama/embed-routes.js';
import { generateRoutes } from './ollama/generate-routes.js';
import { modelsRoutes } from './ollama/models-routes.js';
import { psRoute } from './ollama/ps-route.js';
import { pullRoutes } from './ollama/pull-routes.js';
import { chatRoutes } from './openai/chat-routes.js';
import { openaiModelsRoutes } from './openai/models-routes.js';

export function createApp(deps: AppDeps): Hono {
  const { config, log } = deps;
  const app = new Hono();

  app.onError((err, c) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    return c.json(errorBody(appErr, dialectOf(c.req.path)), appErr.status as 500);
  });
  app.notFound((c) => {
    const err = new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
    return c.json(errorBody(err, dialectOf(c.req.path)), 404);
  });

  // Middleware: log, refuse rebinding hosts, CORS, bounded bodies (blob uploads are streamed, not buffered).
  app.use(requestLog(log));
  app.use(hostCheck({ listenHostname: config.host.hostname, allowedHosts: [config.host.hostname] }));
  app.use(corsOrigins(config.origins));
  const limit = bodyLimit({
    maxSize: config.maxBodySize,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${config.maxBodySize} bytes`);
    },
  });
  app.use(except('/api/blobs/*', limit));

  // Liveness, as Ollama answers it (HEAD is served by GET handlers, body dropped).
  app.get('/', (c) => c.text('Corral is running'));
  app.get('/api/version', (c) => c.json({ version: deps.version }));

  // Inference.
  app.route('/', generateRoutes(deps));
  app.route('/', embedRoutes(deps));
  app.route('/', psRoute(deps));

  // OpenAI dialect.
  app.route('/', chatRoutes(deps));
  app.route('/', openaiModelsRoutes(deps));

  // Model management.
  app.route('/', modelsRoutes(deps));
  app.route('/', createRoute(deps));
  app.route('/', blobsRoutes(deps));
  app.route('/', pullRoutes(deps));

  return app;
}
