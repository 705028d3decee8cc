import { describe, expect, it } from 'vitest';
import { hashSecret, mintApiKey, parseApiKey, secretMatches } from './api-key.js';
import { hashPassword, verifyPassword } from './password.js';

describe('API keys', () => {
  it('mints unique keys that parse back and match only their own hash', () => {
    const a = mintApiKey();
    const b = mintApiKey();
    expect(a.token).toMatch(/^corral_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    const parsed = parseApiKey(a.token);
    expect(parsed?.id).toBe(a.id);
    expect(secretMatches(parsed!.secret, a.secretHash)).toBe(true);
    expect(secretMatches(parsed!.secret, b.secretHash)).toBe(false);
    expect(a.secretHash).toBe(hashSecret(parsed!.secret));
    expect(a.token).not.toContain(a.secretHash);
  });

  it.each(['', 'corral_', 'corral_xyz_abc', `corral_${'0'.repeat(12)}_short`, 'sk-abc'])(
    'rejects %j',
    (t) => {
      expect(parseApiKey(t)).toBeUndefined();
    },
  );

  it('never matches a malformed stored hash', () => {
    expect(secretMatches('x', 'nothex')).toBe(false);
  });
});

describe('passwords', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const one = await hashPassword('correct horse battery');
    const two = await hashPassword('correct horse battery');
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword('correct horse battery', one)).toBe(true);
    expect(await verifyPassword('correct horse batterY', one)).toBe(false);
    expect(await verifyPassword('anything', 'garbage')).toBe(false);
  });

  it('refuses short passwords', async () => {
    await expect(hashPassword('short')).rejects.toThrow(/at least 8/);
  });
});
