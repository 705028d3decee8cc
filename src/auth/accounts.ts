/**
 * Users, API keys and console sessions: validation and policy over the database repositories. Secrets are
 * returned once (`token`) and stored hashed; passwords are scrypt hashes.
 */
import { randomBytes } from 'node:crypto';
import { AppError, type Role, isRole, roles, userRoles } from '../core/index.js';
import type { ApiKeyRecord, Database, UserRecord } from '../db/index.js';
import { hashSecret, mintApiKey } from './api-key.js';
import { hashPassword, verifyPassword } from './password.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const KEY_NAME = /^[\w .@:/-]{1,64}$/;
/** Compared against when the user does not exist, so a wrong name costs as long as a wrong password. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** A new API key and its one-time secret. */
export interface IssuedKey {
  key: ApiKeyRecord;
  token: string;
}

/** What a new key may carry. */
export interface KeySpec {
  name: string;
  role: Role;
  userId?: string | null;
  /** Lifetime in ms; absent or `Infinity` never expires. */
  expiresInMs?: number;
  rateLimitPerMinute?: number | null;
  maxConcurrent?: number | null;
}

function checkRole(role: string): Role {
  if (!isRole(role)) throw new AppError('INVALID_REQUEST', `unknown role "${role}" (${roles.join(', ')})`);
  return role;
}

/** A user's role: any role but `node`, which only join tokens (API keys of cluster nodes) hold. */
function checkUserRole(role: string): Role {
  if (role === 'node') {
    throw new AppError(
      'INVALID_REQUEST',
      `the node role is for join tokens (API keys), not users (${userRoles.join(', ')})`,
    );
  }
  return checkRole(role);
}

/** Account management for the HTTP routes and `corral admin`. */
export class Accounts {
  readonly #db: Pick<Database, 'users' | 'apiKeys' | 'sessions'>;
  readonly #changed: () => void;

  /** `changed` runs after a user or key changes in a way that may refuse credentials accepted before. */
  constructor(db: Pick<Database, 'users' | 'apiKeys' | 'sessions'>, changed: () => void = () => undefined) {
    this.#db = db;
    this.#changed = changed;
  }

  async createUser(spec: { name: string; role: string; password?: string }): Promise<UserRecord> {
    if (!NAME.test(spec.name)) {
      throw new AppError(
        'INVALID_REQUEST',
        `invalid user name "${spec.name}" (letters, digits, . _ @ -; max 64)`,
      );
    }
    const role = checkUserRole(spec.role);
    const passwordHash = spec.password === undefined ? null : await hashPassword(spec.password);
    return this.#db.users.create({ name: spec.name, role, passwordHash });
  }

  /** The user named `name`, or `RESOURCE_NOT_FOUND`. */
  async user(name: string): Promise<UserRecord> {
    const user = await this.#db.users.getByName(name);
    if (user === undefined) throw new AppError('RESOURCE_NOT_FOUND', `no user named "${name}"`);
    return user;
  }

  async updateUser(
    name: string,
    change: { role?: string; password?: string; disabled?: boolean },
  ): Promise<UserRecord> {
    const user = await this.user(name);
    const updated = await this.#db.users.update(user.id, {
      ...(change.role === undefined ? {} : { role: checkUserRole(change.role) }),
      ...(change.password === undefined ? {} : { passwordHash: await hashPassword(change.password) }),
      ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
    });
    if (updated === undefined) throw new AppError('RESOURCE_NOT_FOUND', `no user named "${name}"`);
    // A new password or a disabled account ends every console session of that user.
    if (change.password !== undefined || change.disabled === true)
      await this.#db.sessions.deleteForUser(user.id);
    this.#changed();
    return updated;
  }

  async deleteUser(name: string): Promise<void> {
    const user = await this.user(name);
    await this.#db.users.delete(user.id);
    this.#changed();
  }

  async createKey(spec: KeySpec): Promise<IssuedKey> {
    if (!KEY_NAME.test(spec.name)) throw new AppError('INVALID_REQUEST', `invalid key name "${spec.name}"`);
    const role = checkRole(spec.role);
    const minted = mintApiKey();
    const expires = spec.expiresInMs;
    if (expires !== undefined && !(expires > 0))
      throw new AppError('INVALID_REQUEST', 'a key lifetime must be positive');
    const key = await this.#db.apiKeys.create({
      id: minted.id,
      name: spec.name,
      userId: spec.userId ?? null,
      role,
      secretHash: minted.secretHash,
      expiresAt: expires === undefined || expires === Infinity ? null : new Date(Date.now() + expires),
      rateLimitPerMinute: spec.rateLimitPerMinute ?? null,
      maxConcurrent: spec.maxConcurrent ?? null,
    });
    return { key, token: minted.token };
  }

  /** Revoke key `id`; `RESOURCE_NOT_FOUND` when there is no such key or it is already revoked. */
  async revokeKey(id: string): Promise<void> {
    if (!(await this.#db.apiKeys.revoke(id, new Date()))) {
      throw new AppError('RESOURCE_NOT_FOUND', `no active API key with id "${id}"`);
    }
    this.#changed();
  }

  /** The user whose name and password match; `UNAUTHORIZED` otherwise (same answer for either mistake). */
  async verifyLogin(name: string, password: string): Promise<UserRecord> {
    const user = await this.#db.users.getByName(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (user === undefined || !ok || user.passwordHash === null) {
      throw new AppError('UNAUTHORIZED', 'invalid user name or password');
    }
    if (user.disabled) throw new AppError('UNAUTHORIZED', 'the account is disabled');
    return user;
  }

  /** Start a console session; returns the cookie token (stored hashed). */
  async startSession(user: UserRecord, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
    const token = `corral_s_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + ttlMs);
    await this.#db.sessions.create({ id: hashSecret(token), userId: user.id, expiresAt });
    return { token, expiresAt };
  }

  async endSession(token: string): Promise<void> {
    await this.#db.sessions.delete(hashSecret(token));
  }
}
