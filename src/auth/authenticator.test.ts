/** The gateway's verified-key cache: fewer database queries, yet revocation and expiry still refuse in time. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/index.js';
import { openDatabase, type Database } from '../db/index.js';
import { mintApiKey } from './api-key.js';
import { createAuthServices, type AuthServices } from './auth-services.js';

describe('Authenticator key cache', () => {
  let dir: string;
  let db: Database;
  let lookups = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-authn-'));
    db = await openDatabase({ sqlitePath: join(dir, 'corral.db'), log: silentLogger });
    const get = db.apiKeys.get.bind(db.apiKeys);
    db.apiKeys.get = (id: string) => {
      lookups++;
      return get(id);
    };
    lookups = 0;
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const services = (keyCacheMs?: number): AuthServices =>
    createAuthServices({
      enabled: true,
      db,
      defaults: { perMinute: 0, concurrent: 0 },
      sessionTtlMs: 60_000,
      log: silentLogger,
      keyCacheMs,
    });

  it('asks the database once per window, and not at all without a cache it always asks', async () => {
    const cached = services(1000);
    const { token } = await cached.accounts.createKey({ name: 'k', role: 'user' });
    for (let i = 0; i < 5; i++) await cached.authenticator.authenticate({ bearer: token });
    expect(lookups).toBe(1);

    lookups = 0;
    const uncached = services();
    for (let i = 0; i < 5; i++) await uncached.authenticator.authenticate({ bearer: token });
    expect(lookups).toBe(5);
  });

  it('refuses a key revoked through this process at once, and through another within the window', async () => {
    const gateway = services(200);
    const other = services(200); // another gateway over the same database
    const a = await gateway.accounts.createKey({ name: 'a', role: 'user' });
    const b = await gateway.accounts.createKey({ name: 'b', role: 'user' });
    await gateway.authenticator.authenticate({ bearer: a.token });
    await gateway.authenticator.authenticate({ bearer: b.token });

    await gateway.accounts.revokeKey(a.key.id);
    await expect(gateway.authenticator.authenticate({ bearer: a.token })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });

    await gateway.authenticator.authenticate({ bearer: b.token }); // cached again after the clear
    await other.accounts.revokeKey(b.key.id);
    // Still inside this gateway's window: the cached principal stands (the documented bound).
    await expect(gateway.authenticator.authenticate({ bearer: b.token })).resolves.toMatchObject({
      id: b.key.id,
    });
    await new Promise((r) => setTimeout(r, 250));
    await expect(gateway.authenticator.authenticate({ bearer: b.token })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('never serves an expired key from the cache, and never caches a refusal', async () => {
    const s = services(60_000);
    const { token } = await s.accounts.createKey({ name: 'short', role: 'user', expiresInMs: 300 });
    await s.authenticator.authenticate({ bearer: token });
    await new Promise((r) => setTimeout(r, 350));
    await expect(s.authenticator.authenticate({ bearer: token })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    lookups = 0;
    const unknown = mintApiKey().token;
    await expect(s.authenticator.authenticate({ bearer: unknown })).rejects.toThrow(/unknown API key/);
    await expect(s.authenticator.authenticate({ bearer: unknown })).rejects.toThrow(/unknown API key/);
    expect(lookups).toBe(2);
  });
});
