/** `/api/users`: list, create, change (role, password, disabled) and delete users. Admin only (route table). */
import { Hono } from 'hono';
import { createUserRequestSchema, updateUserRequestSchema } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import type { Database } from '../../db/index.js';
import type { AppDeps } from '../app-deps.js';
import { parseBody } from '../parse-body.js';
import { userInfo } from './account-wire.js';

/** Refuse a change that would leave no enabled admin user (and so no way back into the console). */
async function keepAnAdmin(
  db: Database,
  name: string,
  change: { role?: string; disabled?: boolean; delete?: boolean },
) {
  const users = await db.users.list();
  const target = users.find((u) => u.name === name);
  if (target === undefined || target.role !== 'admin' || target.disabled) return;
  const demoted =
    change.delete === true ||
    change.disabled === true ||
    (change.role !== undefined && change.role !== 'admin');
  const others = users.filter((u) => u.role === 'admin' && !u.disabled && u.name !== name);
  if (demoted && others.length === 0) {
    throw new AppError('CONFLICT', `"${name}" is the last enabled admin: create another admin first`);
  }
}

export function usersRoutes({ auth }: Pick<AppDeps, 'auth'>): Hono {
  const app = new Hono();
  const { accounts, db } = auth;

  app.get('/api/users', async (c) => c.json({ users: (await db.users.list()).map(userInfo) }));

  app.post('/api/users', async (c) => {
    const req = await parseBody(c, createUserRequestSchema);
    return c.json(userInfo(await accounts.createUser(req)), 201);
  });

  app.patch('/api/users/:name', async (c) => {
    const req = await parseBody(c, updateUserRequestSchema);
    const name = c.req.param('name');
    await keepAnAdmin(db, name, req);
    return c.json(userInfo(await accounts.updateUser(name, req)));
  });

  app.delete('/api/users/:name', async (c) => {
    const name = c.req.param('name');
    await keepAnAdmin(db, name, { delete: true });
    await accounts.deleteUser(name);
    return c.json({ status: 'success' });
  });

  return app;
}
