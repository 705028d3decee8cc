/**
 * Which join credential a node that joins through a gateway belongs to (nodes behind NAT). The first credential
 * that opens a tunnel for a node id holds that id; another one is refused (403) while the holder is still valid,
 * so a join token cannot take over another node's place — its relay URL, its traffic. A holder that is no longer
 * valid (the key revoked, expired or deleted, the user disabled or deleted) yields the id to the next credential
 * that joins with it: a node whose token was revoked can come back with a new one. With auth off there are no
 * credentials and nothing is held.
 */
import type { Principal } from '../../auth/index.js';
import { AppError } from '../../core/index.js';
import type { ApiKeyRepository, ClusterRepository, UserRepository } from '../../db/index.js';

/** What {@link NodeClaims} needs. */
export interface NodeClaimsOptions {
  cluster: Pick<ClusterRepository, 'nodeClaim' | 'claimNode'>;
  apiKeys: Pick<ApiKeyRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  now?: () => Date;
}

/** How a principal is named as a holder: `key:<id>` or `user:<id>`; undefined for callers with no credential. */
function holderOf(who: Principal): string | undefined {
  return who.kind === 'key' || who.kind === 'user' ? `${who.kind}:${who.id}` : undefined;
}

/** Binds joined node ids to the credentials they joined with. */
export class NodeClaims {
  readonly #o: NodeClaimsOptions;

  constructor(options: NodeClaimsOptions) {
    this.#o = options;
  }

  /** Resolves when `who` may speak for node `nodeId` (holding it from now on if nobody did); else `FORBIDDEN`. */
  async check(nodeId: string, who: Principal): Promise<void> {
    const holder = holderOf(who);
    if (holder === undefined) return;
    // Compare-and-set: a concurrent claim changes the row under us at most a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await this.#o.cluster.nodeClaim(nodeId);
      if (held === holder) return;
      if (held !== undefined && (await this.#valid(held))) {
        throw new AppError(
          'FORBIDDEN',
          `cluster node ${nodeId} joined with another join token; a node id belongs to the token it first joined with (revoke that token to move the node to a new one, or give this node its own id)`,
        );
      }
      if (await this.#o.cluster.claimNode(nodeId, holder, held)) return;
    }
    throw new AppError('CONFLICT', `cluster node ${nodeId} is being claimed concurrently; retry`);
  }

  /** Whether the credential named `holder` could still authenticate. */
  async #valid(holder: string): Promise<boolean> {
    const colon = holder.indexOf(':');
    const [kind, id] = [holder.slice(0, colon), holder.slice(colon + 1)];
    const now = (this.#o.now?.() ?? new Date()).getTime();
    if (kind === 'key') {
      const key = await this.#o.apiKeys.get(id);
      if (key === undefined || key.revokedAt !== null) return false;
      if (key.expiresAt !== null && key.expiresAt.getTime() <= now) return false;
      return key.userId === null || this.#userActive(key.userId);
    }
    return kind === 'user' && this.#userActive(id);
  }

  async #userActive(id: string): Promise<boolean> {
    const user = await this.#o.users.get(id);
    return user !== undefined && !user.disabled;
  }
}
