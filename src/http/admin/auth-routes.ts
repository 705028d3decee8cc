/**
 * Sign-in routes: login (console session cookie, or a new API key for `corral login`), logout, who-am-I, and
 * the first-admin bootstrap. These routes are public; they audit their own outcomes, and failed logins are
 * limited per client address against password guessing.
 */
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { bootstrapRequestSchema, loginRequestSchema, type WhoAmI } from '../../api/index.js';
import { ANONYMOUS } from '../../auth/index.js';
import { AppError, allows, permissions } from '../../core/index.js';
import type { UserRecord } from '../../db/index.js';
import type { AppDeps } from '../app-deps.js';
import { clientIp, principalOf } from '../auth-context.js';
import { SESSION_COOKIE } from '../middleware/authorize.js';
import { parseBody } from '../parse-body.js';
import { keyInfo, userInfo } from './account-wire.js';

/** Login attempts per client address per minute. */
const LOGINS_PER_MINUTE = 10;

export function authRoutes({ auth }: Pick<AppDeps, 'auth'>): Hono {
  const app = new Hono();
  const { accounts, audit } = auth;

  const signIn = async (c: Context, user: UserRecord, kind: string, keyName?: string) => {
    if (kind === 'key') {
      const issued = await accounts.createKey({
        name: keyName ?? `login-${new Date().toISOString()}`,
        role: user.role,
        userId: user.id,
      });
      return c.json({ ...keyInfo(issued.key, user.name), key: issued.token });
    }
    const session = await accounts.startSession(user, auth.sessionTtlMs);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      expires: session.expiresAt,
    });
    return c.json({ user: userInfo(user), expires_at: session.expiresAt.toISOString() });
  };

  app.post('/api/auth/login', async (c) => {
    const req = await parseBody(c, loginRequestSchema);
    const ip = clientIp(c);
    auth.limiter.acquire(`login:${ip ?? 'local'}`, { perMinute: LOGINS_PER_MINUTE, concurrent: 0 })();
    let user: UserRecord;
    try {
      user = await accounts.verifyLogin(req.name, req.password);
    } catch (err) {
      await audit.record(ANONYMOUS, {
        action: 'auth.login',
        target: req.name,
        outcome: 'failure',
        status: 401,
        ip,
      });
      throw err;
    }
    const who = { ...ANONYMOUS, kind: 'user' as const, id: user.id, name: user.name, role: user.role };
    await audit.record(who, {
      action: 'auth.login',
      target: user.name,
      outcome: 'success',
      ip,
      details: { kind: req.kind },
    });
    return signIn(c, user, req.kind, req.key_name);
  });

  app.post('/api/auth/logout', async (c) => {
    const who = principalOf(c);
    if (who.kind === 'key') await accounts.revokeKey(who.id);
    const session = getCookie(c, SESSION_COOKIE);
    if (session !== undefined) await accounts.endSession(session);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    if (who.kind !== 'anonymous')
      await audit.record(who, { action: 'auth.logout', outcome: 'success', ip: clientIp(c) });
    return c.json({ status: 'success' });
  });

  app.get('/api/auth/me', async (c) => {
    const who = principalOf(c);
    const body: WhoAmI = {
      auth: auth.enabled ? 'on' : 'off',
      authenticated: who.kind !== 'anonymous',
      kind: who.kind,
      name: who.name,
      role: who.role ?? null,
      permissions: who.role === undefined ? ['public'] : permissions.filter((p) => allows(who.role!, p)),
      bootstrap: auth.enabled && (await auth.bootstrap.needed()),
    };
    return c.json(body);
  });

  app.post('/api/auth/bootstrap', async (c) => {
    const req = await parseBody(c, bootstrapRequestSchema);
    const ip = clientIp(c);
    if (!(await auth.bootstrap.needed()))
      throw new AppError('CONFLICT', 'an account exists already: sign in instead');
    if (!auth.bootstrap.matches(req.token)) {
      await audit.record(ANONYMOUS, {
        action: 'auth.bootstrap',
        target: req.name,
        outcome: 'denied',
        status: 401,
        ip,
      });
      throw new AppError('UNAUTHORIZED', 'wrong bootstrap token (it is printed when the server starts)');
    }
    const user = await accounts.createUser({ name: req.name, role: 'admin', password: req.password });
    const who = { ...ANONYMOUS, kind: 'user' as const, id: user.id, name: user.name, role: user.role };
    await audit.record(who, { action: 'auth.bootstrap', target: user.name, outcome: 'success', ip });
    return signIn(c, user, 'session');
  });

  return app;
}
