/** One log line per request: method, path, status, duration. */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../core/index.js';

export function requestLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const ms = Math.round(performance.now() - start);
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  };
}
