/**
 * Builds the Hono app from its dependencies; it never listens (`server.ts` does). Tests call `app.request()`.
 * The route table below is the one place that shows every endpoint, grouped as Ollama's `GenerateRoutes`.
 */
import type { Hono } from 'hono';
import { consoleFeatures } from '../api/index.js';
import type { AppDeps } from './app-deps.js';
import { createAppBase } from './app-base.js';
import { healthRoutes } from './health-routes.js';
import { rerankRoutes } from './rerank-routes.js';
import { auditRoutes } from './admin/audit-routes.js';
import { authRoutes } from './admin/auth-routes.js';
import { keysRoutes } from './admin/keys-routes.js';
import { usersRoutes } from './admin/users-routes.js';
import { blobsRoutes } from './ollama/blobs-routes.js';
import { createRoute } from './ollama/create-route.js';
import { embedRoutes } from './ollama/embed-routes.js';
import { generateRoutes } from './ollama/generate-routes.js';
import { lifecycleRoutes } from './ollama/lifecycle-routes.js';
import { queueRoutes } from './ollama/queue-routes.js';
import { tokenizeRoutes } from './ollama/tokenize-routes.js';
import { modelsRoutes } from './ollama/models-routes.js';
import { psRoute } from './ollama/ps-route.js';
import { pullRoutes } from './ollama/pull-routes.js';
import { consoleRoutes } from './console/console-routes.js';
import { hfRoute } from './console/hf-route.js';
import { logsRoute } from './console/logs-route.js';
import { profilesRoutes } from './console/profiles-routes.js';
import { pullsRoutes } from './console/pulls-routes.js';
import { systemRoute } from './console/system-route.js';
import { chatRoutes } from './openai/chat-routes.js';
import { openaiModelsRoutes } from './openai/models-routes.js';
import { responsesRoute } from './openai/responses-route.js';
import { messagesRoute } from './anthropic/messages-route.js';
import { datasetRoutes } from './finetune/dataset-routes.js';
import { jobEventsRoute } from './finetune/job-events-route.js';
import { jobRoutes } from './finetune/job-routes.js';

export function createApp(deps: AppDeps): Hono {
  const app = createAppBase(deps);

  // Liveness as Ollama answers it (`GET /`; browsers get the console there), and the console's files.
  const features = consoleFeatures(deps.config.role, deps.version);
  app.route('/', consoleRoutes({ consoleDir: deps.consoleDir, features }));
  app.get('/api/version', (c) => c.json({ version: deps.version }));

  // Probes and Prometheus: /healthz, /readyz, /metrics.
  app.route('/', healthRoutes(deps));

  // Inference.
  app.route('/', generateRoutes(deps));
  app.route('/', embedRoutes(deps));
  app.route('/', psRoute(deps));
  app.route('/', lifecycleRoutes(deps));
  app.route('/', queueRoutes(deps));
  app.route('/', tokenizeRoutes(deps));
  app.route('/', rerankRoutes(deps)); // /api/rerank and /v1/rerank

  // OpenAI dialect.
  app.route('/', chatRoutes(deps));
  app.route('/', openaiModelsRoutes(deps));
  app.route('/', responsesRoute(deps));

  // Anthropic dialect (`/v1/messages*`; errors in Anthropic's shape, see `dialectOf`).
  app.route('/', messagesRoute(deps));

  // Model management.
  app.route('/', modelsRoutes(deps));
  app.route('/', createRoute(deps));
  app.route('/', blobsRoutes(deps));
  app.route('/', pullRoutes(deps));
  app.route('/', pullsRoutes(deps));
  app.route('/', hfRoute(deps));

  // Profiles, and the console's system and log pages.
  app.route('/', profilesRoutes(deps));
  app.route('/', systemRoute(deps));
  app.route('/', logsRoute(deps));

  // Fine-tuning.
  app.route('/', datasetRoutes(deps));
  app.route('/', jobRoutes(deps));
  app.route('/', jobEventsRoute(deps));

  // Accounts and the audit log.
  app.route('/', authRoutes(deps));
  app.route('/', usersRoutes(deps));
  app.route('/', keysRoutes(deps));
  app.route('/', auditRoutes(deps));

  return app;
}
