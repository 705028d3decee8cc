/**
 * Roles and permissions: the one table of who may do what. Every HTTP route declares one permission (the route
 * table in `http/route-permissions.ts`); a caller's role grants a set of them. `public` needs no credentials.
 */

/** Roles, from most to least powerful. `node` is a cluster node's join token (issue #7): it may only join. */
export const roles = ['admin', 'operator', 'user', 'viewer', 'node'] as const;
export type Role = (typeof roles)[number];

/** The roles a user account may hold: `node` is for the API keys of machines (join tokens) only. */
export const userRoles = ['admin', 'operator', 'user', 'viewer'] as const satisfies readonly Role[];

/** What a route may require. */
export const permissions = [
  'public', // liveness and version: no credentials at all
  'models:read', // list, show, ps, OpenAI model list
  'inference', // generate, chat, embeddings, completions
  'models:write', // create, copy, delete, pull, push, blob upload
  'profiles:write', // saved profiles
  'jobs:write', // fine-tuning jobs
  'system:read', // metrics, status, downloads
  'admin', // users, API keys, audit log, server-side file paths
  'cluster:join', // a node joining through a gateway: membership, heartbeats, its tunnel (corral serve --join)
] as const;
export type Permission = (typeof permissions)[number];

/** The grants of each role (`public` is granted to everyone, authenticated or not). */
export const roleGrants: Record<Role, readonly Permission[]> = {
  admin: permissions,
  operator: [
    'public',
    'models:read',
    'inference',
    'models:write',
    'profiles:write',
    'jobs:write',
    'system:read',
  ],
  user: ['public', 'models:read', 'inference'],
  viewer: ['public', 'models:read', 'system:read'],
  node: ['public', 'cluster:join'],
};

/** Whether `role` holds `permission`. */
export function allows(role: Role, permission: Permission): boolean {
  return permission === 'public' || roleGrants[role].includes(permission);
}

/** Whether `text` names a role. */
export function isRole(text: string): text is Role {
  return (roles as readonly string[]).includes(text);
}
