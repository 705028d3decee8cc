/** Who is making a request, once authenticated. */
import type { Role } from '../core/index.js';

/** Per-caller limits; `0` means unlimited. */
export interface CallerLimits {
  perMinute: number;
  concurrent: number;
}

/**
 * The caller: an API key (possibly owned by a user), a console session of a user, the local operator when
 * auth is off, or nobody (only `public` routes).
 */
export interface Principal {
  kind: 'key' | 'user' | 'local' | 'anonymous';
  /** Key id, user id, or `local`/`anonymous`. */
  id: string;
  /** Key name (with its owner) or user name, for the audit log. */
  name: string;
  role: Role | undefined;
  /** The owning user, for keys that belong to one and for sessions. */
  userId: string | undefined;
  limits: CallerLimits;
}

/** The operator of a server running with auth off: every permission, no limits. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  kind: 'local',
  id: 'local',
  name: 'local',
  role: 'admin',
  userId: undefined,
  limits: { perMinute: 0, concurrent: 0 },
});

/** A caller without credentials. */
export const ANONYMOUS: Principal = Object.freeze({
  kind: 'anonymous',
  id: 'anonymous',
  name: 'anonymous',
  role: undefined,
  userId: undefined,
  limits: { perMinute: 0, concurrent: 0 },
});
