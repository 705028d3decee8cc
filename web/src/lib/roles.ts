/** The roles of accounts and API keys, most powerful first. */
import type { CreateKeyRequest, CreateUserRequest } from '../../../src/api/index.js';

export type Role = CreateUserRequest['role'];
/** A key's role: a user's, or `node` (a cluster node's join token, for `corral serve --join`). */
export type KeyRole = CreateKeyRequest['role'];

export const roles: readonly Role[] = ['admin', 'operator', 'user', 'viewer'];
export const keyRoles: readonly KeyRole[] = [...roles, 'node'];
