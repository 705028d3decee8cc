/** Sign-in, users, API keys and the audit log: the account routes every server and gateway mounts. */
import { Hono } from 'hono';
import type { AppDeps } from '../app-deps.js';
import { auditRoutes } from './audit-routes.js';
import { authRoutes } from './auth-routes.js';
import { keysRoutes } from './keys-routes.js';
import { usersRoutes } from './users-routes.js';

export function accountRoutes(deps: Pick<AppDeps, 'auth'>): Hono {
  const app = new Hono();
  app.route('/', authRoutes(deps));
  app.route('/', usersRoutes(deps));
  app.route('/', keysRoutes(deps));
  app.route('/', auditRoutes(deps));
  return app;
}
