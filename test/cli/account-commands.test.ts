/**
 * The account commands against a real server with auth on: `admin create` bootstraps through the database,
 * then keys, users, login/logout and audit go over HTTP with the saved or given key. Also: `serve` refuses an
 * open address with auth off unless forced.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsPath } from '../../src/cli/credentials.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('account commands', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ CORRAL_AUTH: 'on' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('bootstraps an admin, manages keys and users, logs in and out, and shows the audit log', async () => {
    expect(s.server.bootstrapToken).toMatch(/^[\w-]{20,}$/);
    const denied = await runCorral(['list'], s.env);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/authentication required/);

    const admin = await runCorral(['admin', 'create', 'root'], s.env, undefined, 'a-long-password\n');
    expect(admin.code).toBe(0);
    const adminKey = admin.stdout.trim();
    expect(adminKey).toMatch(/^corral_[0-9a-f]{12}_/);
    const saved = credentialsPath(s.env);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(readFileSync(saved, 'utf8')).toContain(adminKey);
    expect((await runCorral(['list'], s.env)).code).toBe(0); // the saved key is used

    const key = await runCorral(['keys', 'create', 'ci', '--role', 'viewer', '--expires', '24h'], s.env);
    expect(key.code).toBe(0);
    expect(key.stderr).toMatch(/shown only this once/);
    const viewer = { ...s.env, CORRAL_API_KEY: key.stdout.trim() };
    const rm = await runCorral(['rm', 'some-model'], viewer);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toMatch(/viewer.*models:write/);

    const list = await runCorral(['keys', 'list'], s.env);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+ROLE/);
    expect(list.stdout).toMatch(/ci\s+viewer\s+-/);
    const id = /([0-9a-f]{12})\s+ci\s/.exec(list.stdout)?.[1] as string;
    expect((await runCorral(['keys', 'revoke', id], s.env)).code).toBe(0);
    expect((await runCorral(['list'], viewer)).code).toBe(1);

    const user = await runCorral(
      ['users', 'create', 'dev', '--role', 'operator'],
      s.env,
      undefined,
      'dev-password\n',
    );
    expect(user.code).toBe(0);
    expect((await runCorral(['users', 'list'], s.env)).stdout).toMatch(/dev\s+operator\s+active/);

    // login replaces the saved admin key with one of dev's
    const login = await runCorral(['login', 'dev'], s.env, undefined, 'dev-password\n');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/as dev \(operator\)/);
    expect((await runCorral(['users', 'list'], s.env)).stderr).toMatch(/operator.*admin/);
    expect((await runCorral(['logout'], s.env)).code).toBe(0);
    expect((await runCorral(['list'], s.env)).code).toBe(1);

    const audit = await runCorral(['audit', '--limit', '50'], { ...s.env, CORRAL_API_KEY: adminKey });
    expect(audit.code).toBe(0);
    for (const action of [
      'user.create',
      'key.create',
      'key.revoke',
      'auth.login',
      'auth.logout',
      'auth.forbidden',
    ]) {
      expect(audit.stdout).toContain(action);
    }
    const json = await runCorral(['audit', '--action', 'key.', '--json'], {
      ...s.env,
      CORRAL_API_KEY: adminKey,
    });
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(['key.create', 'key.revoke']));
  });

  it('refuses a bad login without saving anything', async () => {
    const env = { ...s.env, CORRAL_HOME: `${s.home}/other` };
    const res = await runCorral(['login', 'root'], env, undefined, 'wrong-password\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/invalid user name or password/);
    expect(existsSync(credentialsPath(env))).toBe(false);
  });
});

describe('serve and auth', () => {
  it('refuses to listen on 0.0.0.0 with auth off unless forced', async () => {
    const res = await runCorral(['serve', '--host', '0.0.0.0:0', '--auth', 'off'], {
      CORRAL_HOME: process.env.CORRAL_HOME as string,
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0/);
  });

  it('starts on 0.0.0.0 with auth off when forced, and with auth on by default there', async () => {
    const forced = await startTestServer({
      CORRAL_HOST: '0.0.0.0:0',
      CORRAL_AUTH: 'off',
      CORRAL_INSECURE_NO_AUTH: 'true',
    });
    try {
      const res = await fetch(`http://127.0.0.1:${forced.server.port}/api/tags`);
      expect(res.status).toBe(200);
    } finally {
      await forced.close();
    }
    const open = await startTestServer({ CORRAL_HOST: '0.0.0.0:0' });
    try {
      expect((await fetch(`http://127.0.0.1:${open.server.port}/api/tags`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${open.server.port}/api/version`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
