/**
 * API key tokens: `corral_<id>_<secret>`. The id (12 hex) is public and names the key in lists and the audit
 * log; the secret (32 random bytes, base64url) is shown once and stored only as its sha256. High-entropy
 * secrets need no slow hash; the lookup is by id and the hash comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'corral_';
const TOKEN = /^corral_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly minted key: `token` goes to the caller once, `secretHash` to the database. */
export interface MintedKey {
  id: string;
  token: string;
  secretHash: string;
}

/** sha256 (hex) of a key or session secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Mint a new key. */
export function mintApiKey(): MintedKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** Split a presented token; `undefined` when it is not shaped like a Corral key. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

/** Whether `secret` hashes to `expectedHash`, compared in constant time. */
export function secretMatches(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a bearer token looks like a Corral API key (used to tell keys from other credentials). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(PREFIX);
}
