/**
 * The gateway's tunnel routes (issue #7, nodes behind NAT):
 *
 * - `GET /api/cluster/tunnel` (permission `cluster:join`): a node's upgrade request, authenticated by the usual
 *   middleware; this route hands the connection to the {@link TunnelHub}, which answers `101` with the node's
 *   relay ticket. A node id belongs to the credential it first joined with (`node-claims.ts`): a tunnel for it
 *   opened with another is refused. The tunnel's credentials are checked again while it is open, so a revoked
 *   token closes it.
 * - `GET|POST|DELETE /api/cluster/relay/:node/*` (no API key; the cluster secret instead): a request to a node whose
 *   tunnel this gateway holds, passed down the tunnel as it is, the answer streamed back. Other gateways and the
 *   controller call it as the node's URL. Without the secret it is refused (and audited), so the public port is
 *   not an open proxy to the nodes.
 */
import { Hono, type Context } from 'hono';
import { ANONYMOUS, type AuditLog, type Authenticator } from '../../auth/index.js';
import { AppError, allows, isAppError } from '../../core/index.js';
import { clientIp, principalOf } from '../../http/index.js';
import { CLUSTER_SECRET_HEADER, RELAY_PREFIX, secretMatches } from '../relay-auth.js';
import { isNodeId, NODE_ID_HEADER, TUNNEL_PATH, type TunnelHub } from '../tunnel/index.js';
import type { NodeClaims } from './node-claims.js';
import { pendingUpgrade } from './tunnel-upgrade.js';

/** What {@link relayRoutes} needs. */
export interface RelayRouteDeps {
  hub: Pick<TunnelHub, 'adopt' | 'relay'>;
  /** Which join credential each joined node id belongs to: a tunnel for another's id is refused. */
  claims: Pick<NodeClaims, 'check'>;
  secret: string;
  /** Whether credentials are checked; with auth off tunnels are not checked again. */
  authEnabled: boolean;
  authenticator: Pick<Authenticator, 'authenticate'>;
  audit: Pick<AuditLog, 'record'>;
}

/** Whether the credentials `c` presented still authenticate a caller that may join. */
function recheck(deps: RelayRouteDeps, c: Context): (() => Promise<boolean>) | undefined {
  if (!deps.authEnabled) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization')?.trim() ?? '')?.[1];
  if (bearer === undefined) return undefined;
  return async () => {
    try {
      const who = await deps.authenticator.authenticate({ bearer });
      return who.role !== undefined && allows(who.role, 'cluster:join');
    } catch (err) {
      if (isAppError(err, 'UNAUTHORIZED')) return false;
      throw err;
    }
  };
}

export function relayRoutes(deps: RelayRouteDeps): Hono {
  const app = new Hono();

  app.get(TUNNEL_PATH, async (c) => {
    const upgrade = pendingUpgrade(c);
    if (upgrade === undefined) {
      throw new AppError(
        'INVALID_REQUEST',
        `${TUNNEL_PATH} opens a node's tunnel: send Connection: Upgrade and Upgrade: corral-tunnel (corral serve --join does)`,
      );
    }
    const nodeId = c.req.header(NODE_ID_HEADER);
    if (!isNodeId(nodeId)) {
      throw new AppError('INVALID_REQUEST', `the ${NODE_ID_HEADER} header must hold the node's id`);
    }
    await deps.claims.check(nodeId, principalOf(c));
    deps.hub.adopt({ nodeId, socket: upgrade.socket, head: upgrade.head, stillValid: recheck(deps, c) });
    upgrade.adopted = true;
    return c.body(null);
  });

  const relay = async (c: Context) => {
    const nodeId = c.req.param('node') ?? '';
    if (!secretMatches(c.req.header(CLUSTER_SECRET_HEADER), deps.secret)) {
      const why = 'relay routes answer cluster gateways only: the cluster secret is missing or wrong';
      await deps.audit.record(ANONYMOUS, {
        action: 'cluster.relay',
        target: nodeId,
        outcome: 'denied',
        status: 401,
        ip: clientIp(c),
        details: { reason: why },
      });
      throw new AppError('UNAUTHORIZED', why);
    }
    const url = new URL(c.req.url);
    const prefix = `${RELAY_PREFIX}${encodeURIComponent(nodeId)}`;
    const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    return deps.hub.relay(nodeId, {
      method: c.req.method,
      path: `${rest === '' ? '/' : rest}${url.search}`,
      headers: c.req.raw.headers,
      body: c.req.raw.body,
      signal: c.req.raw.signal,
    });
  };
  // The methods gateways use towards nodes: listings, inference and pulls, deletes.
  app.get(`${RELAY_PREFIX}:node/*`, relay);
  app.post(`${RELAY_PREFIX}:node/*`, relay);
  app.delete(`${RELAY_PREFIX}:node/*`, relay);
  return app;
}
