/** Keys, passwords and session tokens never reach the server log, at the most verbose level. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.js';

it('keeps API keys, passwords and session cookies out of the log', async () => {
  const s = await startTestServer({ CORRAL_AUTH: 'on', CORRAL_LOG_LEVEL: 'trace' });
  const base = s.server.url;
  const password = 'pw-that-must-not-leak';
  const boot = await fetch(`${base}/api/auth/bootstrap`, {
    method: 'POST',
    body: JSON.stringify({ token: s.server.bootstrapToken, name: 'root', password }),
  });
  expect(boot.status).toBe(200);
  const cookie = (boot.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ name: 'root', password, kind: 'key' }),
  });
  const { key } = (await login.json()) as { key: string };
  expect((await fetch(`${base}/api/tags`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  expect((await fetch(`${base}/api/tags`, { headers: { cookie } })).status).toBe(200);
  await fetch(`${base}/api/tags`, { headers: { authorization: `Bearer ${key}x` } }); // a wrong key, logged as denied
  await s.server.close();
  try {
    const log = readFileSync(join(s.home, 'logs', 'server.log'), 'utf8');
    expect(log).toContain('"request"');
    // the key's secret is everything after `corral_<id>_` (base64url: it may itself contain `_`)
    const keySecret = key.slice('corral_'.length + 12 + 1);
    expect(keySecret).toHaveLength(43);
    const sessionToken = cookie.slice(cookie.indexOf('=') + 1);
    for (const secret of [password, key, keySecret, sessionToken]) {
      expect(log).not.toContain(secret);
    }
  } finally {
    rmSync(s.home, { recursive: true, force: true });
  }
});
