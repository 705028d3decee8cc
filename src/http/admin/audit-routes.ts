/** `GET /api/admin/audit`: the audit log, newest first, filtered and paged by id. Admin only. */
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../core/index.js';
import { parseDuration } from '../../lib/index.js';
import type { AppDeps } from '../app-deps.js';
import { auditInfo } from './account-wire.js';

// `since`/`until`: an ISO time, or a duration back from now (`1h`).
const time = z.string().transform((v, ctx) => {
  const at = /^\d{4}-/.test(v) ? new Date(v) : new Date(Date.now() - safeDuration(v));
  if (Number.isNaN(at.getTime())) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is neither an ISO time nor a duration like 1h` });
    return z.NEVER;
  }
  return at;
});
const querySchema = z.object({
  since: time.optional(),
  until: time.optional(),
  actor: z.string().optional(),
  action: z.string().optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function safeDuration(v: string): number {
  try {
    return parseDuration(v);
  } catch {
    return Number.NaN; // reported by the schema as an invalid time
  }
}

export function auditRoutes({ auth }: Pick<AppDeps, 'auth'>): Hono {
  const app = new Hono();
  app.get('/api/admin/audit', async (c) => {
    const parsed = querySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new AppError('INVALID_REQUEST', `invalid audit query: ${problems.join('; ')}`);
    }
    const events = await auth.db.audit.query(parsed.data);
    const last = events.at(-1);
    const more = events.length === parsed.data.limit && last !== undefined;
    return c.json({ events: events.map(auditInfo), next_before: more ? last.id : null });
  });
  return app;
}
