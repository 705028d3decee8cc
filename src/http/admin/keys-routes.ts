/** `/api/keys`: list, create (the secret is in this one answer) and revoke API keys. Admin only. */
import { Hono } from 'hono';
import { createKeyRequestSchema } from '../../api/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { keyInfo, keyLifetime } from './account-wire.js';

export function keysRoutes({ auth }: Pick<AppDeps, 'auth'>): Hono {
  const app = new Hono();
  const { accounts, db } = auth;

  app.get('/api/keys', async (c) => {
    const names = new Map((await db.users.list()).map((u) => [u.id, u.name]));
    const keys = await db.apiKeys.list();
    return c.json({
      keys: keys.map((k) => keyInfo(k, k.userId === null ? null : (names.get(k.userId) ?? null))),
    });
  });

  app.post('/api/keys', async (c) => {
    const req = await parseBody(c, createKeyRequestSchema);
    const owner = req.user === undefined ? undefined : await accounts.user(req.user);
    const issued = await accounts.createKey({
      name: req.name,
      role: req.role,
      userId: owner?.id ?? null,
      expiresInMs: keyLifetime(req.expires_in),
      rateLimitPerMinute: req.rate_limit ?? null,
      maxConcurrent: req.max_concurrent ?? null,
    });
    return c.json({ ...keyInfo(issued.key, owner?.name ?? null), key: issued.token }, 201);
  });

  app.delete('/api/keys/:id', async (c) => {
    await accounts.revokeKey(c.req.param('id'));
    return c.json({ status: 'success' });
  });

  return app;
}
