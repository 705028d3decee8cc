/** The account and access services of one server, built over its database. */
import type { Logger } from '../core/index.js';
import type { Database } from '../db/index.js';
import { Accounts } from './accounts.js';
import { AuditLog } from './audit-log.js';
import { Authenticator } from './authenticator.js';
import { BootstrapToken } from './bootstrap.js';
import type { CallerLimits } from './principal.js';
import { RateLimiter } from './rate-limiter.js';

export interface AuthServices {
  /** Whether credentials are required (`CORRAL_AUTH`, resolved against the listen address). */
  enabled: boolean;
  db: Database;
  authenticator: Authenticator;
  accounts: Accounts;
  limiter: RateLimiter;
  audit: AuditLog;
  /** The first-run token; its route refuses once any account exists. */
  bootstrap: BootstrapToken;
  sessionTtlMs: number;
}

/** What {@link createAuthServices} needs. */
export interface AuthServicesOptions {
  enabled: boolean;
  db: Database;
  /** Limits of keys that set none. */
  defaults: CallerLimits;
  sessionTtlMs: number;
  log: Logger;
  /** How long a verified key is reused without a database query (see `AuthenticatorOptions.keyCacheMs`). */
  keyCacheMs?: number;
}

export function createAuthServices(o: AuthServicesOptions): AuthServices {
  const authenticator = new Authenticator({
    db: o.db,
    defaults: o.defaults,
    log: o.log,
    keyCacheMs: o.keyCacheMs,
  });
  return {
    enabled: o.enabled,
    db: o.db,
    authenticator,
    accounts: new Accounts(o.db, () => authenticator.forget()),
    limiter: new RateLimiter(),
    audit: new AuditLog(o.db, o.log),
    bootstrap: new BootstrapToken(o.db),
    sessionTtlMs: o.sessionTtlMs,
  };
}

/** The settings the auth services of a server or a gateway are built from. */
export interface AuthSettings {
  rateLimit: number;
  maxConcurrentPerKey: number;
  sessionTtl: number;
}

/** {@link createAuthServices} from a server's or gateway's settings. */
export function authServicesFromSettings(
  settings: AuthSettings,
  o: { enabled: boolean; db: Database; log: Logger; keyCacheMs?: number },
): AuthServices {
  return createAuthServices({
    enabled: o.enabled,
    db: o.db,
    keyCacheMs: o.keyCacheMs,
    defaults: { perMinute: settings.rateLimit, concurrent: settings.maxConcurrentPerKey },
    sessionTtlMs: settings.sessionTtl,
    log: o.log,
  });
}
