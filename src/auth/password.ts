/**
 * Password hashing with scrypt (RFC 7914) from node:crypto: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`. The
 * parameters travel with the hash so they can be raised later without breaking stored passwords.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../core/index.js';

const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** Shortest accepted password. */
export const MIN_PASSWORD_LENGTH = 8;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Validate and hash a new password; throws `INVALID_REQUEST` when it is too short or too long. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('INVALID_REQUEST', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw new AppError('INVALID_REQUEST', 'a password is at most 1024 characters');
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `password` matches a stored hash (constant-time; a malformed hash never matches). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined || password.length > 1024) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
