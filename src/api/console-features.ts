/**
 * `GET /api/console/features`: what the server the console talks to can back. One console build is served by
 * `corral serve` (a single server, or a cluster node) and by `corral gateway` (issue #7), and they serve different
 * APIs: a gateway has the cluster pages but no model store, profiles, pulls, fine-tuning, system or log pages. The
 * console asks once at start and shows only the pages whose API answers there, instead of pages that 404.
 * Browser-safe; fields are snake_case as in Ollama's API.
 */
import { consolePages } from './console.js';

/** One of the console's client-side pages (`/models`, `/cluster`, …). */
export type ConsolePage = (typeof consolePages)[number];

/** What kind of Corral server answers: a single server, a cluster node (`CORRAL_ROLE=node`) or a gateway. */
export const serverRoles = ['standalone', 'node', 'gateway'] as const;
export type ServerRole = (typeof serverRoles)[number];

/** `GET /api/console/features` (public, like `/api/version`). */
export interface ConsoleFeatures {
  version: string;
  role: ServerRole;
  /** The console pages whose API this server serves; the console's navigation shows only these. */
  pages: ConsolePage[];
  /**
   * Whether models are managed here: create, copy, delete, pull, load and unload. False on a gateway, which lists
   * and runs the nodes' models but leaves managing them to the nodes (docs/cluster.md, "Not built yet").
   */
  model_management: boolean;
}

/**
 * The pages a gateway can back: the cluster API, the model listings and `/api/ps` (unions over the nodes), chat
 * (proxied) and the account routes.
 */
const gatewayPages: readonly ConsolePage[] = [
  '/cluster',
  '/models',
  '/running',
  '/playground',
  '/keys',
  '/users',
  '/audit',
  '/login',
];

/** The answer of `GET /api/console/features` for a server of `role`. */
export function consoleFeatures(role: ServerRole, version: string): ConsoleFeatures {
  const gateway = role === 'gateway';
  return {
    version,
    role,
    pages: gateway ? [...gatewayPages] : consolePages.filter((p) => p !== '/cluster'),
    model_management: !gateway,
  };
}
