/**
 * The route table is complete and enforced: every registered route declares a permission, and for every route
 * each role gets exactly what `core/access.ts` grants it (403 otherwise), nobody gets 401 on non-public routes,
 * and the denials land in the audit log. Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, roles, type Role } from '../../src/core/index.js';
import { routeTable } from '../../src/http/route-permissions.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { testDatabases, type OpenedTestDatabase } from '../helpers/test-databases.js';

function concretePath(pattern: string): string {
  return pattern
    .replace(':digest', `sha256:${'0'.repeat(64)}`)
    .replace(':name', 'nobody')
    .replace(':id', 'aaaaaaaaaaaa')
    .replace('*', 'no-such-model');
}

const routes = Object.entries(routeTable).map(([key, spec]) => {
  const [method, pattern] = key.split(' ') as [string, string];
  return { key, method, path: concretePath(pattern), spec };
});

describe('route table', () => {
  it('declares a permission for every registered route, and names no route that does not exist', async () => {
    const t = await createTestApp();
    try {
      const registered = new Set(
        t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`),
      );
      const undeclared = [...registered].filter((k) => routeTable[k] === undefined);
      expect(undeclared).toEqual([]);
      const stale = Object.keys(routeTable).filter((k) => !registered.has(k));
      expect(stale).toEqual([]);
      // every state-changing route records an audit action
      const unaudited = Object.entries(routeTable)
        .filter(([k, s]) => !k.startsWith('GET ') && /write|admin/.test(s.permission))
        .filter(([, s]) => s.audit === undefined)
        .map(([k]) => k);
      expect(unaudited).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe.each(testDatabases)('permissions on $kind', (database) => {
  let opened: OpenedTestDatabase;
  let t: TestApp;
  const keys = {} as Record<Role, string>;

  beforeAll(async () => {
    if (!database.available) return;
    opened = await database.open();
    t = await createTestApp({ env: { CORRAL_AUTH: 'on' }, database: opened.options });
    for (const role of roles) keys[role] = (await t.auth.accounts.createKey({ name: role, role })).token;
  });
  afterAll(async () => {
    await t?.close();
    await opened?.cleanup();
  });

  const send = (method: string, path: string, key?: string) =>
    t.app.request(path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
      body: method === 'GET' ? undefined : '{}',
    });

  it.skipIf(!database.available)('admits each role exactly to its permissions on every route', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      for (const role of roles) {
        // logout revokes the key it is called with: give it a throwaway key of the role
        const key =
          r.key === 'POST /api/auth/logout'
            ? (await t.auth.accounts.createKey({ name: `throwaway-${role}`, role })).token
            : keys[role];
        const res = await send(r.method, r.path, key);
        await res.body?.cancel();
        const allowed = allows(role, r.spec.permission);
        const denied = res.status === 403 || res.status === 401;
        if (allowed === denied) wrong.push(`${role} ${r.key} → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it.skipIf(!database.available)(
    'answers 401 without a key on every non-public route, and audits it',
    async () => {
      const before = (await t.db.audit.query({ action: 'auth.unauthenticated', limit: 1000 })).length;
      const wrong: string[] = [];
      for (const r of routes) {
        const res = await send(r.method, r.path);
        await res.body?.cancel();
        const expected = r.spec.permission === 'public' ? res.status !== 401 : res.status === 401;
        if (!expected) wrong.push(`${r.key} → ${res.status}`);
      }
      expect(wrong).toEqual([]);
      const nonPublic = routes.filter((r) => r.spec.permission !== 'public').length;
      const after = await t.db.audit.query({ action: 'auth.unauthenticated', limit: 1000 });
      expect(after.length - before).toBe(nonPublic);
      expect(after[0]).toMatchObject({ outcome: 'denied', status: 401, actorType: 'anonymous' });
    },
  );

  it.skipIf(!database.available)('refuses revoked and expired keys with 401 and audits both', async () => {
    const revoked = await t.auth.accounts.createKey({ name: 'revoked', role: 'admin' });
    expect((await send('GET', '/api/tags', revoked.token)).status).toBe(200);
    await t.auth.accounts.revokeKey(revoked.key.id);
    const r1 = await send('GET', '/api/tags', revoked.token);
    expect(r1.status).toBe(401);
    expect(((await r1.json()) as { error: string }).error).toMatch(/revoked/);

    const expired = await t.auth.accounts.createKey({ name: 'expired', role: 'admin', expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const r2 = await send('GET', '/api/tags', expired.token);
    expect(r2.status).toBe(401);
    expect(((await r2.json()) as { error: string }).error).toMatch(/expired/);

    const badSecret = `${revoked.token.slice(0, -4)}AAAA`;
    expect((await send('GET', '/api/tags', badSecret)).status).toBe(401);
    expect((await send('GET', '/api/tags', 'not-a-corral-key')).status).toBe(401);

    const denials = await t.db.audit.query({ action: 'auth.unauthenticated', limit: 10 });
    const reasons = denials.map((e) => String(e.details?.reason));
    expect(reasons.some((r) => r.includes(`${revoked.key.id} was revoked`))).toBe(true);
    expect(reasons.some((r) => r.includes(`${expired.key.id} has expired`))).toBe(true);
  });

  it.skipIf(!database.available)(
    'forbids a viewer to delete a model (403) and audits who tried',
    async () => {
      const res = await t.json(
        'DELETE',
        '/api/delete',
        { model: 'llama3' },
        { authorization: `Bearer ${keys.viewer}` },
      );
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/viewer.*models:write/);
      const [event] = await t.db.audit.query({ action: 'auth.forbidden', limit: 1 });
      expect(event).toMatchObject({
        actorType: 'key',
        actorName: 'viewer',
        target: 'DELETE /api/delete',
        outcome: 'denied',
        status: 403,
      });
    },
  );

  it.skipIf(!database.available)('audits state-changing actions with actor, target and outcome', async () => {
    const res = await t.json(
      'DELETE',
      '/api/delete',
      { model: 'ghost' },
      { authorization: `Bearer ${keys.operator}` },
    );
    expect(res.status).toBe(404);
    const [event] = await t.db.audit.query({ action: 'model.delete', limit: 1 });
    expect(event).toMatchObject({ actorName: 'operator', target: 'ghost', outcome: 'failure', status: 404 });

    const audit = await t.app.request('/api/admin/audit?action=model.delete', {
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(audit.status).toBe(200);
    const body = (await audit.json()) as { events: Array<{ actor: string; target: string }> };
    expect(body.events[0]).toMatchObject({ actor: 'operator', target: 'ghost' });
  });
});
