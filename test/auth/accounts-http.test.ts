/**
 * Accounts over HTTP with auth on, on SQLite and PostgreSQL: first-admin bootstrap, console sessions, keys for
 * the CLI, user management (the last admin stays), per-key rate limits, and server-side paths in Modelfiles.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

describe.each(testDatabases)('accounts on $kind', (database) => {
  let opened: OpenedTestDatabase;
  let t: TestApp;

  beforeEach(async () => {
    if (!database.available) return;
    opened = await database.open();
    t = await createTestApp({ env: { CORRAL_AUTH: 'on' }, database: opened.options });
  });
  afterEach(async () => {
    await t?.close();
    await opened?.cleanup();
  });

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const admin = async () => (await t.auth.accounts.createKey({ name: 'root', role: 'admin' })).token;

  it.skipIf(!database.available)('bootstraps the first admin once, with the token only', async () => {
    const me = await (await t.app.request('/api/auth/me')).json();
    expect(me).toMatchObject({ auth: 'on', authenticated: false, bootstrap: true });

    const wrong = await t.json('POST', '/api/auth/bootstrap', {
      token: 'nope',
      name: 'ada',
      password: 'correct horse',
    });
    expect(wrong.status).toBe(401);
    const ok = await t.json('POST', '/api/auth/bootstrap', {
      token: t.auth.bootstrap.token,
      name: 'ada',
      password: 'correct horse',
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/corral_session=corral_s_[^;]+;.*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    const session = cookie.split(';')[0] as string;
    const who = await (await t.app.request('/api/auth/me', { headers: { cookie: session } })).json();
    expect(who).toMatchObject({
      authenticated: true,
      kind: 'user',
      name: 'ada',
      role: 'admin',
      bootstrap: false,
    });

    const again = await t.json('POST', '/api/auth/bootstrap', {
      token: t.auth.bootstrap.token,
      name: 'eve',
      password: 'correct horse',
    });
    expect(again.status).toBe(409);
    const events = await t.db.audit.query({ action: 'auth.bootstrap' });
    expect(events.map((e) => e.outcome).sort()).toEqual(['denied', 'success']);
  });

  it.skipIf(!database.available)('logs in to a session, uses it, and logs out', async () => {
    await t.auth.accounts.createUser({ name: 'bob', role: 'user', password: 'hunter2hunter2' });
    const bad = await t.json('POST', '/api/auth/login', { name: 'bob', password: 'wrong-password' });
    expect(bad.status).toBe(401);
    const ghost = await t.json('POST', '/api/auth/login', { name: 'ghost', password: 'wrong-password' });
    expect(((await ghost.json()) as { error: string }).error).toBe(
      ((await bad.json()) as { error: string }).error,
    );

    const res = await t.json('POST', '/api/auth/login', { name: 'bob', password: 'hunter2hunter2' });
    expect(res.status).toBe(200);
    const session = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await t.app.request('/api/tags', { headers: { cookie: session } })).status).toBe(200);
    // a user may read and infer, not change models
    expect((await t.json('DELETE', '/api/delete', { model: 'x' }, { cookie: session })).status).toBe(403);

    expect((await t.json('POST', '/api/auth/logout', {}, { cookie: session })).status).toBe(200);
    expect((await t.app.request('/api/tags', { headers: { cookie: session } })).status).toBe(401);

    const logins = await t.db.audit.query({ action: 'auth.login' });
    expect(logins.map((e) => `${e.target}:${e.outcome}`).sort()).toEqual([
      'bob:failure',
      'bob:success',
      'ghost:failure',
    ]);
  });

  it.skipIf(!database.available)('issues a key at login for the CLI, capped by the user role', async () => {
    await t.auth.accounts.createUser({ name: 'vic', role: 'viewer', password: 'long enough pw' });
    const res = await t.json('POST', '/api/auth/login', {
      name: 'vic',
      password: 'long enough pw',
      kind: 'key',
    });
    expect(res.status).toBe(200);
    const { key, role, user } = (await res.json()) as { key: string; role: string; user: string };
    expect(key).toMatch(/^corral_[0-9a-f]{12}_/);
    expect({ role, user }).toEqual({ role: 'viewer', user: 'vic' });
    expect((await t.app.request('/api/tags', { headers: bearer(key) })).status).toBe(200);
    expect((await t.json('POST', '/api/generate', {}, bearer(key))).status).toBe(403);

    // a disabled user's keys stop working; a new password ends sessions
    const root = await admin();
    const off = await t.json('PATCH', '/api/users/vic', { disabled: true }, bearer(root));
    expect(off.status).toBe(200);
    expect((await t.app.request('/api/tags', { headers: bearer(key) })).status).toBe(401);
  });

  it.skipIf(!database.available)('manages users and keys, and never drops the last admin', async () => {
    const root = await admin();
    const created = await t.json(
      'POST',
      '/api/users',
      { name: 'ann', role: 'admin', password: 'pw-pw-pw-pw' },
      bearer(root),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'ann', role: 'admin', has_password: true });
    expect((await t.json('POST', '/api/users', { name: 'ann', role: 'user' }, bearer(root))).status).toBe(
      409,
    );
    expect((await t.json('POST', '/api/users', { name: '../x', role: 'user' }, bearer(root))).status).toBe(
      400,
    );
    expect((await t.json('POST', '/api/users', { name: 'z', role: 'god' }, bearer(root))).status).toBe(400);

    const demote = await t.json('PATCH', '/api/users/ann', { role: 'user' }, bearer(root));
    expect(demote.status).toBe(409);
    expect(((await demote.json()) as { error: string }).error).toMatch(/last enabled admin/);
    expect((await t.json('DELETE', '/api/users/ann', undefined, bearer(root))).status).toBe(409);

    const key = await t.json(
      'POST',
      '/api/keys',
      { name: 'ci', role: 'operator', user: 'ann', expires_in: '24h' },
      bearer(root),
    );
    expect(key.status).toBe(201);
    const issued = (await key.json()) as { id: string; key: string; expires_at: string; user: string };
    expect(issued.user).toBe('ann');
    expect(Date.parse(issued.expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const list = (await (await t.app.request('/api/keys', { headers: bearer(root) })).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(list.keys.map((k) => k.name).sort()).toEqual(['ci', 'root']);
    expect(JSON.stringify(list)).not.toMatch(/secret|hash|corral_[0-9a-f]{12}_/i);

    expect((await t.json('DELETE', `/api/keys/${issued.id}`, undefined, bearer(root))).status).toBe(200);
    expect((await t.json('DELETE', `/api/keys/${issued.id}`, undefined, bearer(root))).status).toBe(404);
    expect((await t.app.request('/api/tags', { headers: bearer(issued.key) })).status).toBe(401);

    await t.json('POST', '/api/users', { name: 'bea', role: 'admin' }, bearer(root));
    expect((await t.json('DELETE', '/api/users/ann', undefined, bearer(root))).status).toBe(200);
    const actions = (await t.db.audit.query({ action: 'user.' })).map(
      (e) => `${e.action}:${e.target}:${e.outcome}`,
    );
    expect(actions).toContain('user.delete:ann:success');
    expect(actions).toContain('user.create:ann:failure');
  });

  it.skipIf(!database.available)(
    'limits requests per minute and in flight per key, with Retry-After',
    async () => {
      const root = await admin();
      const res = await t.json(
        'POST',
        '/api/keys',
        { name: 'slow', role: 'user', rate_limit: 2 },
        bearer(root),
      );
      const { key } = (await res.json()) as { key: string };
      expect((await t.app.request('/api/tags', { headers: bearer(key) })).status).toBe(200);
      expect((await t.app.request('/api/tags', { headers: bearer(key) })).status).toBe(200);
      const third = await t.app.request('/api/tags', { headers: bearer(key) });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await t.app.request('/api/tags', { headers: bearer(root) })).status).toBe(200); // other keys unaffected

      const one = await t.json(
        'POST',
        '/api/keys',
        { name: 'single', role: 'user', max_concurrent: 1 },
        bearer(root),
      );
      const single = ((await one.json()) as { key: string }).key;
      const held = await t.app.request('/api/tags', { headers: bearer(single) }); // body not read yet: in flight
      expect((await t.app.request('/api/tags', { headers: bearer(single) })).status).toBe(429);
      await held.text();
      expect((await t.app.request('/api/tags', { headers: bearer(single) })).status).toBe(200);

      // a watch stream (pull events) stays open for minutes without holding the caller's only slot
      const watcher = (await t.auth.accounts.createKey({ name: 'watch', role: 'viewer', maxConcurrent: 1 }))
        .token;
      const events = await t.app.request('/api/pulls/events', { headers: bearer(watcher) });
      expect(events.status).toBe(200);
      expect((await t.app.request('/api/tags', { headers: bearer(watcher) })).status).toBe(200);
      await events.body?.cancel();
    },
  );

  it.skipIf(!database.available)('lets only admins name files on the server in a Modelfile', async () => {
    const path = await tinyModelPath();
    const op = (await t.auth.accounts.createKey({ name: 'op', role: 'operator' })).token;
    const denied = await t.json(
      'POST',
      '/api/create',
      { model: 'm', modelfile: `FROM ${path}`, stream: false },
      bearer(op),
    );
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: string }).error).toMatch(/admin role.*upload/);
    const ok = await t.json(
      'POST',
      '/api/create',
      { model: 'm', modelfile: `FROM ${path}`, stream: false },
      bearer(await admin()),
    );
    expect(ok.status).toBe(200);
    // model names still work for operators
    const copy = await t.json('POST', '/api/create', { model: 'm2', from: 'm', stream: false }, bearer(op));
    expect(copy.status).toBe(200);
  });
});
