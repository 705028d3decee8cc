/** The roles of accounts and API keys, most powerful first. */
import type { CreateUserRequest } from '../../../src/api/index.js';

export type Role = CreateUserRequest['role'];

export const roles: readonly Role[] = ['admin', 'operator', 'user', 'viewer'];
