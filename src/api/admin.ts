/**
 * Wire contract of accounts and the audit log (`/api/auth/*`, `/api/users`, `/api/keys`, `/api/admin/audit`):
 * request schemas and response shapes, shared by the server, the CLI and the web console. Fields are
 * snake_case as in Ollama's API.
 */
import { z } from 'zod';

/** A user account's role (`core/access.ts`). */
const role = z.enum(['admin', 'operator', 'user', 'viewer']);
/** An API key's role: a user's, or `node`, a cluster node's join token (`corral serve --join`). */
const keyRole = z.enum(['admin', 'operator', 'user', 'viewer', 'node']);
const password = z.string().min(1).max(1024);

/** `POST /api/auth/login`: `kind: 'session'` sets the console cookie, `kind: 'key'` returns a new API key. */
export const loginRequestSchema = z.object({
  name: z.string().min(1).max(64),
  password,
  kind: z.enum(['session', 'key']).default('session'),
  key_name: z.string().min(1).max(64).optional(),
});
export type LoginRequest = z.input<typeof loginRequestSchema>;

/** `POST /api/auth/bootstrap`: the first admin, with the one-time token the server printed. */
export const bootstrapRequestSchema = z.object({ token: z.string().min(1), name: z.string(), password });
export type BootstrapRequest = z.input<typeof bootstrapRequestSchema>;

/** `POST /api/users`. */
export const createUserRequestSchema = z.object({ name: z.string(), role, password: password.optional() });
export type CreateUserRequest = z.input<typeof createUserRequestSchema>;

/** `PATCH /api/users/:name`. */
export const updateUserRequestSchema = z
  .object({ role: role.optional(), password: password.optional(), disabled: z.boolean().optional() })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change' });
export type UpdateUserRequest = z.input<typeof updateUserRequestSchema>;

/** `POST /api/keys`: `expires_in` is a duration (`720h`); `user` names the owning user. */
export const createKeyRequestSchema = z.object({
  name: z.string(),
  role: keyRole,
  user: z.string().optional(),
  expires_in: z.string().optional(),
  rate_limit: z.number().int().min(1).max(1_000_000).optional(),
  max_concurrent: z.number().int().min(1).max(100_000).optional(),
});
export type CreateKeyRequest = z.input<typeof createKeyRequestSchema>;

/** A user as listed (never the password hash). */
export interface UserInfo {
  name: string;
  role: string;
  disabled: boolean;
  has_password: boolean;
  created_at: string;
  updated_at: string;
}

/** An API key as listed (never its secret). */
export interface KeyInfo {
  id: string;
  name: string;
  role: string;
  user: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  rate_limit: number | null;
  max_concurrent: number | null;
}

/** A new key: `key` is the secret, shown this once. */
export interface CreatedKey extends KeyInfo {
  key: string;
}

/** `GET /api/auth/me`. */
export interface WhoAmI {
  auth: 'on' | 'off';
  authenticated: boolean;
  kind: 'key' | 'user' | 'local' | 'anonymous';
  name: string;
  role: string | null;
  permissions: string[];
  /** True while the server waits for its first admin (auth on, no accounts). */
  bootstrap: boolean;
}

/** One audit log entry. */
export interface AuditEntryInfo {
  id: number;
  at: string;
  actor_type: string;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: 'success' | 'failure' | 'denied';
  status: number | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

/** `GET /api/admin/audit`: newest first; pass `next_before` as `before` for the next page. */
export interface AuditResponse {
  events: AuditEntryInfo[];
  next_before: number | null;
}
