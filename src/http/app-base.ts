/**
 * The part of the app every Corral HTTP server shares, the server's {@link createApp} and the cluster gateway
 * alike: errors in the caller's dialect, metrics, request log, host check, CORS, bounded bodies, security
 * headers, and the `authorize` middleware driven by the route table. Routes are mounted after it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from '../core/index.js';
import type { AppDeps } from './app-deps.js';
import { dialectOf, errorBody, toAppError } from './errors.js';
import { authorize } from './middleware/authorize.js';
import { corsOrigins } from './middleware/cors-origins.js';
import { hostCheck } from './middleware/host-check.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { requestLog } from './middleware/request-log.js';
import type { RouteSpec } from './route-permissions.js';

/** What {@link createAppBase} needs. */
export type AppBaseDeps = Pick<AppDeps, 'config' | 'log' | 'auth' | 'metrics'> & {
  /** The route table `authorize` enforces (default: the server's `routeTable`; the gateway passes its own). */
  routes?: Readonly<Record<string, RouteSpec>>;
};

export function createAppBase(deps: AppBaseDeps): Hono {
  const { config, log } = deps;
  const app = new Hono();

  app.onError((err, c) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    const retryAfter = appErr.details?.retryAfter;
    if (typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter));
    return c.json(errorBody(appErr, dialectOf(c.req.path)), appErr.status as 500);
  });
  app.notFound((c) => {
    const err = new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
    return c.json(errorBody(err, dialectOf(c.req.path)), 404);
  });

  // Middleware: count, log, refuse rebinding hosts, CORS, bounded bodies (blob uploads are streamed, not buffered).
  app.use(httpMetrics(deps.metrics));
  app.use(requestLog(log));
  app.use(hostCheck({ listenHostname: config.host.hostname, allowedHosts: [config.host.hostname] }));
  app.use(corsOrigins(config.origins));
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${config.maxBodySize} bytes`);
  const limit = bodyLimit({
    maxSize: config.maxBodySize,
    onError: () => {
      throw tooLarge();
    },
  });
  // A declared length is checked without touching the body (Hono's middleware builds the full WHATWG request to
  // look); a body without one (chunked) is counted by Hono's middleware as it arrives. Blob uploads are exempt
  // (a plain prefix test: this runs on every request).
  app.use(async (c, next) => {
    const { path } = c.req;
    if (path === '/api/blobs' || path.startsWith('/api/blobs/')) return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return limit(c, next);
    if (Number.parseInt(length, 10) > config.maxBodySize) throw tooLarge();
    await next();
  });
  // nosniff, no framing, no referrer, a same-origin CSP for the console (no HSTS: TLS is the proxy's call).
  app.use(
    secureHeaders({
      strictTransportSecurity: false,
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  // Who is calling and may they: every route's permission and audit action are in route-permissions.ts.
  const { auth } = deps;
  app.use(authorize({ ...auth, log, table: deps.routes }));

  return app;
}
