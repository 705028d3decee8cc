/**
 * Counts and times every request by its route pattern (`/api/show`, `/api/blobs/:digest`), never by raw path:
 * label values stay bounded whatever clients send. A request no route matches gets {@link UNMATCHED_ROUTE}.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type Metrics, UNMATCHED_ROUTE } from '../../metrics/index.js';

/** Middleware (`app.use`) is registered for method `ALL`; routes (`app.get`…) for their own method. */
function routeOf(c: Context): string {
  // The last matched endpoint, whether it answered or a middleware (host check, body limit) answered for it.
  const endpoint = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
  return endpoint?.path ?? UNMATCHED_ROUTE;
}

export function httpMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const seconds = (performance.now() - start) / 1000;
    metrics.request({ route: routeOf(c), method: c.req.method, status: c.res.status, seconds });
  };
}
