/** Database records → wire shapes of `api/admin.ts` (secrets and hashes never leave). */
import type { AuditEntryInfo, KeyInfo, UserInfo } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import type { ApiKeyRecord, AuditEvent, UserRecord } from '../../db/index.js';
import { parseDuration } from '../../lib/index.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function userInfo(u: UserRecord): UserInfo {
  return {
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    has_password: u.passwordHash !== null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export function keyInfo(k: ApiKeyRecord, userName: string | null): KeyInfo {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    user: userName,
    created_at: k.createdAt.toISOString(),
    expires_at: iso(k.expiresAt),
    last_used_at: iso(k.lastUsedAt),
    revoked_at: iso(k.revokedAt),
    rate_limit: k.rateLimitPerMinute,
    max_concurrent: k.maxConcurrent,
  };
}

export function auditInfo(e: AuditEvent): AuditEntryInfo {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor_type: e.actorType,
    actor: e.actorName ?? e.actorId,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    status: e.status,
    ip: e.ip,
    details: e.details,
  };
}

/** A key's `expires_in` (`720h`) in ms; absent: never expires. */
export function keyLifetime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (err) {
    throw new AppError('INVALID_REQUEST', `expires_in: ${(err as Error).message}`, { cause: err });
  }
}
