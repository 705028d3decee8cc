/**
 * The permission every route requires, and the audit action of every state-changing route: one table, read by
 * the `authorize` middleware. A route missing here is refused (fail closed) and fails the route-table test.
 * Roles and their grants are in `core/access.ts`.
 */
import { consolePages } from '../api/index.js';
import type { Permission } from '../core/index.js';

/** Where the audit entry's target comes from: a JSON body field list, or a path parameter. */
export type AuditTarget = { body: readonly string[] } | { param: string };

/** What one route requires and records. */
export interface RouteSpec {
  permission: Permission;
  /** Audit action; routes that change state have one. */
  audit?: string;
  target?: AuditTarget;
  /** A watch stream that stays open for minutes: it does not hold a concurrent-request slot of its caller. */
  watch?: true;
}

const model = { body: ['model', 'name'] } as const;
const profile = { param: 'name' } as const;

/** The console's client-side pages (and paths below them) serve its `index.html`: public, like the console. */
const pages: Record<string, RouteSpec> = Object.fromEntries(
  consolePages.flatMap((p) => [
    [`GET ${p}`, { permission: 'public' }],
    [`GET ${p}/*`, { permission: 'public' }],
  ]),
);

/** Keyed by `METHOD path` exactly as registered (HEAD is served by GET routes). */
export const routeTable: Readonly<Record<string, RouteSpec>> = {
  // Liveness, health and version: no credentials.
  'GET /': { permission: 'public' },
  'GET /api/version': { permission: 'public' },
  'GET /healthz': { permission: 'public' },
  'GET /readyz': { permission: 'public' },
  'GET /metrics': { permission: 'system:read' },

  // The web console: its files are public, its data calls below are not.
  'GET /assets/*': { permission: 'public' },
  'GET /api/console/features': { permission: 'public' },
  ...pages,

  // Sign-in. Credentials travel in the body; the handlers audit their own outcome.
  'POST /api/auth/login': { permission: 'public' },
  'POST /api/auth/logout': { permission: 'public' },
  'GET /api/auth/me': { permission: 'public' },
  'POST /api/auth/bootstrap': { permission: 'public' },

  // Inference.
  'POST /api/generate': { permission: 'inference' },
  'POST /api/chat': { permission: 'inference' },
  'POST /api/embed': { permission: 'inference' },
  'POST /api/embeddings': { permission: 'inference' },
  'POST /v1/chat/completions': { permission: 'inference' },
  'POST /v1/completions': { permission: 'inference' },
  'POST /v1/embeddings': { permission: 'inference' },
  'POST /v1/responses': { permission: 'inference' },
  'POST /v1/messages': { permission: 'inference' },
  'POST /api/load': { permission: 'inference', audit: 'model.load', target: model },
  'POST /api/unload': { permission: 'inference', audit: 'model.unload', target: model },
  'GET /api/queue': { permission: 'system:read' },
  'POST /api/tokenize': { permission: 'inference' },
  'POST /api/detokenize': { permission: 'inference' },
  'POST /api/rerank': { permission: 'inference' },
  'POST /v1/rerank': { permission: 'inference' },
  'DELETE /api/requests/:id': {
    permission: 'models:write',
    audit: 'request.cancel',
    target: { param: 'id' },
  },

  // Reading models.
  'GET /api/tags': { permission: 'models:read' },
  'POST /api/show': { permission: 'models:read' },
  'GET /api/ps': { permission: 'models:read' },
  'GET /v1/models': { permission: 'models:read' },
  'GET /v1/models/*': { permission: 'models:read' },
  'GET /api/blobs/:digest': { permission: 'models:read' },
  'GET /api/pulls': { permission: 'system:read' },
  'GET /api/pulls/events': { permission: 'system:read', watch: true },

  // Changing models.
  'POST /api/create': { permission: 'models:write', audit: 'model.create', target: model },
  'POST /api/copy': { permission: 'models:write', audit: 'model.copy', target: { body: ['destination'] } },
  'DELETE /api/delete': { permission: 'models:write', audit: 'model.delete', target: model },
  'POST /api/pull': { permission: 'models:write', audit: 'model.pull', target: model },
  'DELETE /api/pull': { permission: 'models:write', audit: 'model.pull.cancel', target: model },
  'POST /api/push': { permission: 'models:write', audit: 'model.push', target: model },
  'POST /api/pulls': { permission: 'models:write', audit: 'model.pull', target: model },
  'GET /api/hf/files': { permission: 'models:write' },
  'POST /api/blobs/:digest': {
    permission: 'models:write',
    audit: 'blob.create',
    target: { param: 'digest' },
  },

  // Profiles: saved presets of a model, usable as model names.
  'GET /api/profiles': { permission: 'models:read' },
  'POST /api/profiles': { permission: 'profiles:write', audit: 'profile.create', target: { body: ['name'] } },
  'PATCH /api/profiles/:name': { permission: 'profiles:write', audit: 'profile.update', target: profile },
  'DELETE /api/profiles/:name': { permission: 'profiles:write', audit: 'profile.delete', target: profile },
  'POST /api/profiles/:name/start': { permission: 'inference' },

  // Fine-tuning: datasets and jobs (reading them is a system view; the statistics load the model).
  'GET /api/finetune/datasets': { permission: 'system:read' },
  'GET /api/finetune/datasets/:id': { permission: 'system:read' },
  'GET /api/finetune/datasets/:id/stats': { permission: 'jobs:write' },
  'POST /api/finetune/datasets': {
    permission: 'jobs:write',
    audit: 'dataset.create',
    target: { body: ['name'] },
  },
  'DELETE /api/finetune/datasets/:id': {
    permission: 'jobs:write',
    audit: 'dataset.delete',
    target: { param: 'id' },
  },
  'GET /api/finetune/jobs': { permission: 'system:read' },
  'GET /api/finetune/jobs/:id': { permission: 'system:read' },
  'GET /api/finetune/jobs/:id/logs': { permission: 'system:read' },
  'GET /api/finetune/jobs/:id/events': { permission: 'system:read', watch: true },
  'POST /api/finetune/jobs': {
    permission: 'jobs:write',
    audit: 'job.create',
    target: { body: ['model', 'dataset'] },
  },
  'POST /api/finetune/jobs/:id/cancel': {
    permission: 'jobs:write',
    audit: 'job.cancel',
    target: { param: 'id' },
  },
  'POST /api/finetune/jobs/:id/resume': {
    permission: 'jobs:write',
    audit: 'job.resume',
    target: { param: 'id' },
  },
  'DELETE /api/finetune/jobs/:id': { permission: 'jobs:write', audit: 'job.delete', target: { param: 'id' } },

  // The console's system and log pages.
  'GET /api/system': { permission: 'system:read' },
  'GET /api/logs': { permission: 'admin' },

  // Accounts and the audit log.
  'GET /api/users': { permission: 'admin' },
  'POST /api/users': { permission: 'admin', audit: 'user.create', target: { body: ['name'] } },
  'PATCH /api/users/:name': { permission: 'admin', audit: 'user.update', target: { param: 'name' } },
  'DELETE /api/users/:name': { permission: 'admin', audit: 'user.delete', target: { param: 'name' } },
  'GET /api/keys': { permission: 'admin' },
  'POST /api/keys': { permission: 'admin', audit: 'key.create', target: { body: ['name'] } },
  'DELETE /api/keys/:id': { permission: 'admin', audit: 'key.revoke', target: { param: 'id' } },
  'GET /api/admin/audit': { permission: 'admin' },
};

/**
 * The cluster gateway's routes (issue #7): the server's table (the gateway serves a subset of those paths with
 * the same permissions, proxied to nodes) plus the routes only a gateway has.
 */
export const gatewayRouteTable: Readonly<Record<string, RouteSpec>> = {
  ...routeTable,
  'GET /api/cluster/nodes': { permission: 'system:read' },
  'GET /api/cluster/leader': { permission: 'system:read' },
  'GET /api/cluster/deployments': { permission: 'system:read' },
  'POST /api/cluster/deployments': { permission: 'models:write', audit: 'cluster.deploy', target: model },
  'DELETE /api/cluster/deployments/:model': {
    permission: 'models:write',
    audit: 'cluster.undeploy',
    target: { param: 'model' },
  },
  'POST /api/cluster/nodes/:name/drain': {
    permission: 'models:write',
    audit: 'cluster.drain',
    target: { param: 'name' },
  },
  'POST /api/cluster/nodes/:name/undrain': {
    permission: 'models:write',
    audit: 'cluster.undrain',
    target: { param: 'name' },
  },

  // Nodes behind NAT (`corral serve --join`): join tokens, membership written for the node, its tunnel, and the
  // relay to it. The relay takes no API key: gateways send the cluster secret, which the route checks itself.
  'POST /api/cluster/join-tokens': { permission: 'admin', audit: 'key.create', target: { body: ['name'] } },
  'POST /api/cluster/join': { permission: 'cluster:join', audit: 'cluster.join', target: { body: ['name'] } },
  'POST /api/cluster/join/:id/heartbeat': { permission: 'cluster:join' },
  'POST /api/cluster/join/:id/state': {
    permission: 'cluster:join',
    audit: 'cluster.node.state',
    target: { param: 'id' },
  },
  'GET /api/cluster/tunnel': { permission: 'cluster:join', audit: 'cluster.tunnel' },
  'GET /api/cluster/relay/:node/*': { permission: 'public' },
  'POST /api/cluster/relay/:node/*': { permission: 'public' },
  'DELETE /api/cluster/relay/:node/*': { permission: 'public' },
};
