/**
 * Turns presented credentials (a bearer API key or a console session token) into a {@link Principal}, or fails
 * with `UNAUTHORIZED` naming why (unknown, revoked, expired, disabled user). No credentials at all is the
 * anonymous caller, which the route's permission then admits or refuses.
 */
import { AppError, type Logger, type Role, roles } from '../core/index.js';
import type { ApiKeyRecord, Database } from '../db/index.js';
import { hashSecret, parseApiKey, secretMatches } from './api-key.js';
import { ANONYMOUS, type CallerLimits, type Principal } from './principal.js';

/** What {@link Authenticator} needs. */
export interface AuthenticatorOptions {
  db: Pick<Database, 'apiKeys' | 'users' | 'sessions'>;
  /** Limits for keys that set none (`0`: unlimited). */
  defaults: CallerLimits;
  log: Logger;
  now?: () => Date;
  /**
   * How long a verified API key's principal is reused without asking the database (default 0: never). A
   * gateway sets about a second: one database round trip per request was most of what it added to the first
   * token. Revoking, disabling or changing accounts through this process clears the cache at once; through
   * another process it takes effect within this time.
   */
  keyCacheMs?: number;
}

/** Cached principals kept at most; the cache is cleared when it would grow past this. */
const KEY_CACHE_MAX = 10_000;

/** `lastUsedAt` is written at most this often per key (a write per request would be a write per token). */
const TOUCH_EVERY_MS = 60_000;

/** The weaker of two roles (a user's key never outranks its user). */
export function weakerRole(a: Role, b: Role): Role {
  return roles.indexOf(a) >= roles.indexOf(b) ? a : b;
}

const denied = (reason: string) => new AppError('UNAUTHORIZED', reason, { details: { reason } });

/** Resolves credentials to principals. */
export class Authenticator {
  readonly #o: AuthenticatorOptions;
  readonly #touched = new Map<string, number>();
  /** sha256 of a presented token → its principal, the key's expiry and when the entry was made. */
  readonly #keys = new Map<string, { principal: Principal; expiresAt: number | null; at: number }>();

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
  }

  /** The caller behind `credentials`; throws `UNAUTHORIZED` for credentials that are present but not valid. */
  async authenticate(credentials: { bearer?: string; session?: string }): Promise<Principal> {
    if (credentials.bearer !== undefined) return this.#key(credentials.bearer);
    if (credentials.session !== undefined) return this.#session(credentials.session);
    return ANONYMOUS;
  }

  /** Drops every cached principal (an account, key or role changed). */
  forget(): void {
    this.#keys.clear();
  }

  async #key(token: string): Promise<Principal> {
    const cacheMs = this.#o.keyCacheMs ?? 0;
    if (cacheMs <= 0) return (await this.#verifyKey(token)).principal;
    const digest = hashSecret(token);
    const now = this.#now().getTime();
    const hit = this.#keys.get(digest);
    if (hit !== undefined && now - hit.at < cacheMs && (hit.expiresAt === null || hit.expiresAt > now)) {
      return hit.principal;
    }
    this.#keys.delete(digest);
    const verified = await this.#verifyKey(token);
    if (this.#keys.size >= KEY_CACHE_MAX) this.#keys.clear();
    this.#keys.set(digest, { ...verified, at: now });
    return verified.principal;
  }

  async #verifyKey(token: string): Promise<{ principal: Principal; expiresAt: number | null }> {
    const parsed = parseApiKey(token);
    if (parsed === undefined) throw denied('the bearer token is not a Corral API key (corral_…)');
    const key = await this.#o.db.apiKeys.get(parsed.id);
    if (key === undefined || !secretMatches(parsed.secret, key.secretHash)) throw denied('unknown API key');
    const now = this.#now();
    if (key.revokedAt !== null) throw denied(`API key ${key.id} was revoked`);
    if (key.expiresAt !== null && key.expiresAt <= now) throw denied(`API key ${key.id} has expired`);
    let role = key.role;
    let name = key.name;
    if (key.userId !== null) {
      const user = await this.#o.db.users.get(key.userId);
      if (user === undefined || user.disabled) throw denied(`the owner of API key ${key.id} is disabled`);
      role = weakerRole(role, user.role);
      name = `${user.name}/${key.name}`;
    }
    this.#touch(key, now);
    const principal: Principal = {
      kind: 'key',
      id: key.id,
      name,
      role,
      userId: key.userId ?? undefined,
      limits: {
        perMinute: key.rateLimitPerMinute ?? this.#o.defaults.perMinute,
        concurrent: key.maxConcurrent ?? this.#o.defaults.concurrent,
      },
    };
    return { principal, expiresAt: key.expiresAt?.getTime() ?? null };
  }

  async #session(token: string): Promise<Principal> {
    const session = await this.#o.db.sessions.get(hashSecret(token));
    const now = this.#now();
    if (session === undefined || session.expiresAt <= now) throw denied('the session has expired or ended');
    const user = await this.#o.db.users.get(session.userId);
    if (user === undefined || user.disabled) throw denied('the account is disabled');
    return {
      kind: 'user',
      id: user.id,
      name: user.name,
      role: user.role,
      userId: user.id,
      limits: this.#o.defaults,
    };
  }

  #touch(key: ApiKeyRecord, now: Date): void {
    const last = this.#touched.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0;
    if (now.getTime() - last < TOUCH_EVERY_MS) return;
    this.#touched.set(key.id, now.getTime());
    this.#o.db.apiKeys.touch(key.id, now).catch((err: unknown) => {
      // Bookkeeping only: the request is already authenticated, so a failed write is logged, not thrown.
      this.#o.log.warn({ err, keyId: key.id }, 'api key last-used update failed');
    });
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}
