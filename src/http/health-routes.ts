/**
 * `GET /healthz` (alive), `GET /readyz` (every readiness check passes: 200, else 503 naming the failures) and
 * `GET /metrics` (Prometheus text format). Kubernetes probes and Prometheus scrape these.
 */
import { Hono } from 'hono';
import type { ReadinessCheck } from '../core/index.js';
import type { AppDeps } from './app-deps.js';

interface CheckFailure {
  name: string;
  error: string;
}

/** Run every check at once; the failures, in the checks' order. */
async function failures(checks: readonly ReadinessCheck[]): Promise<CheckFailure[]> {
  const results = await Promise.all(
    checks.map(async (readiness): Promise<CheckFailure | undefined> => {
      const { name } = readiness;
      try {
        await readiness.check();
        return undefined;
      } catch (err) {
        // The failure is the answer: /readyz reports it (and logs it) instead of throwing.
        return { name, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return results.filter((r) => r !== undefined);
}

export function healthRoutes({ metrics, readiness, log }: AppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const failed = await failures(readiness);
    if (failed.length === 0) return c.json({ status: 'ok' });
    log.warn({ failed }, 'not ready');
    return c.json({ status: 'unavailable', failed }, 503);
  });

  app.get('/metrics', async (c) =>
    c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType }),
  );

  return app;
}
