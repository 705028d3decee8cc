/**
 * Membership of nodes that joined through a gateway (`corral serve --join`, issue #7): such a node has no database
 * access, so it sends its registration, heartbeats and state changes here (permission `cluster:join`, a join
 * token) and the gateway writes them — the heartbeat's time is still PostgreSQL's `now()`. The node's URL is
 * never its own word: it is the relay URL from the ticket the gateway holding its tunnel signed, a node that
 * joined through the database cannot be spoken for with a join token, and a node id belongs to the join token it
 * first joined with (`node-claims.ts`). Also: `POST /api/cluster/join-tokens`
 * (admin), which makes the tokens.
 */
import { Hono, type Context } from 'hono';
import {
  createJoinTokenRequestSchema,
  joinHeartbeatRequestSchema,
  joinRequestSchema,
  joinStateRequestSchema,
  type JoinResponse,
  type JoinUpdateResponse,
} from '../../api/index.js';
import type { Accounts } from '../../auth/index.js';
import { AppError } from '../../core/index.js';
import type { ClusterRepository } from '../../db/index.js';
import { keyInfo, keyLifetime, parseBody, principalOf } from '../../http/index.js';
import { isRelayUrl, relayTicketValid, type RelayTicket } from '../relay-auth.js';
import type { NodeClaims } from './node-claims.js';
import type { NodeDirectory } from './node-directory.js';

/** What {@link joinRoutes} needs. */
export interface JoinRouteDeps {
  cluster: Pick<ClusterRepository, 'register' | 'heartbeat' | 'setState'>;
  /** Which join credential each joined node id belongs to. */
  claims: Pick<NodeClaims, 'check'>;
  directory: Pick<NodeDirectory, 'nodes'>;
  /** The cluster secret relay tickets are signed with. */
  secret: string;
  accounts: Pick<Accounts, 'createKey'>;
}

export function joinRoutes(deps: JoinRouteDeps): Hono {
  const app = new Hono();
  const { cluster, directory, secret } = deps;

  /**
   * Refuses a ticket no gateway signed for `id`, ids of nodes that joined through the database, and ids that
   * belong to another join credential.
   */
  const vouch = async (c: Context, id: string, ticket: RelayTicket) => {
    if (!relayTicketValid(secret, id, ticket)) {
      throw new AppError('FORBIDDEN', `the relay ticket was not issued for cluster node ${id}`);
    }
    const known = (await directory.nodes()).find((n) => n.id === id);
    if (known !== undefined && !isRelayUrl(known.url)) {
      throw new AppError(
        'FORBIDDEN',
        `cluster node ${id} joined through the database; a join token cannot speak for it`,
      );
    }
    await deps.claims.check(id, principalOf(c));
  };

  app.post('/api/cluster/join', async (c) => {
    const req = await parseBody(c, joinRequestSchema);
    await vouch(c, req.id, req.relay);
    const node = await cluster.register({
      id: req.id,
      name: req.name,
      url: req.relay.url,
      report: req.report,
    });
    const body: JoinResponse = {
      id: node.id,
      name: node.name,
      url: node.url,
      state: node.state,
      epoch: node.epoch,
    };
    return c.json(body);
  });

  app.post('/api/cluster/join/:id/heartbeat', async (c) => {
    const req = await parseBody(c, joinHeartbeatRequestSchema);
    const id = c.req.param('id');
    await vouch(c, id, req.relay);
    const body: JoinUpdateResponse = { ok: await cluster.heartbeat(id, req.report) };
    return c.json(body);
  });

  app.post('/api/cluster/join/:id/state', async (c) => {
    const req = await parseBody(c, joinStateRequestSchema);
    const id = c.req.param('id');
    await vouch(c, id, req.relay);
    const body: JoinUpdateResponse = { ok: await cluster.setState(id, req.state) };
    return c.json(body);
  });

  app.post('/api/cluster/join-tokens', async (c) => {
    const req = await parseBody(c, createJoinTokenRequestSchema);
    const issued = await deps.accounts.createKey({
      name: req.name,
      role: 'node',
      expiresInMs: keyLifetime(req.expires_in),
    });
    return c.json({ ...keyInfo(issued.key, null), key: issued.token }, 201);
  });
  return app;
}
