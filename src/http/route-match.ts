/** The registered route (method and pattern) that answers a request, for the route table and metrics. */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** `METHOD /pattern` of the handler route matched for `c`, or `undefined` when only middleware matched. */
export function matchedRouteKey(c: Context): string | undefined {
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
  return route === undefined ? undefined : `${route.method} ${route.path}`;
}
