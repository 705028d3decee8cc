/**
 * A gateway's support for nodes behind NAT (issue #7, `corral serve --join`), composed in one place so that
 * `start-gateway.ts` only calls it: the join and join-token routes, the tunnel and relay routes, the
 * {@link TunnelHub} holding this gateway's tunnels, and the server's upgrade listener. The relay URLs this gateway
 * hands out start with its advertised URL (`CORRAL_GATEWAY_URL`, default the listen address with 0.0.0.0/::
 * replaced by the hostname), known once it listens.
 */
import type { ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AuthServices } from '../../auth/index.js';
import { AppError, type Logger } from '../../core/index.js';
import type { ClusterRepository } from '../../db/index.js';
import { advertisedUrl } from '../node-membership.js';
import { TunnelHub } from '../tunnel/index.js';
import { joinRoutes } from './join-routes.js';
import type { NodeClaims } from './node-claims.js';
import type { NodeDirectory } from './node-directory.js';
import { relayRoutes } from './relay-routes.js';
import { acceptTunnelUpgrades } from './tunnel-upgrade.js';

/** What {@link mountTunnels} needs. */
export interface GatewayTunnelOptions {
  app: Hono;
  cluster: Pick<ClusterRepository, 'register' | 'heartbeat' | 'setState'>;
  /** Which join credential each joined node id belongs to. */
  claims: Pick<NodeClaims, 'check'>;
  directory: Pick<NodeDirectory, 'nodes'>;
  auth: Pick<AuthServices, 'enabled' | 'authenticator' | 'audit' | 'accounts'>;
  /** The cluster secret (`cluster-secret.ts`). */
  secret: string;
  /** `CORRAL_GATEWAY_URL`; empty: derived from the listen address. */
  gatewayUrl: string;
  /** Tunnel PINGs go out this often and may wait twice as long (the heartbeat interval). */
  pingIntervalMs: number;
  log: Logger;
}

/** The mounted tunnel support: tell it when the server listens, close it before the server. */
export interface GatewayTunnels {
  readonly hub: TunnelHub;
  /** Takes the server's upgrade requests; relay URLs start with `gatewayUrl` or else `listenUrl`. */
  listening(server: ServerType, listenUrl: string): void;
  /** Closes every tunnel, letting relayed requests finish for up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export function mountTunnels(o: GatewayTunnelOptions): GatewayTunnels {
  let base: string | undefined;
  const hub = new TunnelHub({
    secret: o.secret,
    gatewayUrl: () => {
      if (base === undefined) throw new AppError('NODE_UNAVAILABLE', 'the gateway is not listening yet');
      return base;
    },
    log: o.log,
    pingIntervalMs: o.pingIntervalMs,
    pingTimeoutMs: 2 * o.pingIntervalMs,
  });
  const { auth } = o;
  o.app.route(
    '/',
    joinRoutes({
      cluster: o.cluster,
      claims: o.claims,
      directory: o.directory,
      secret: o.secret,
      accounts: auth.accounts,
    }),
  );
  o.app.route(
    '/',
    relayRoutes({
      hub,
      claims: o.claims,
      secret: o.secret,
      authEnabled: auth.enabled,
      authenticator: auth.authenticator,
      audit: auth.audit,
    }),
  );
  return {
    hub,
    listening(server, listenUrl) {
      base = o.gatewayUrl === '' ? advertisedUrl(listenUrl) : o.gatewayUrl.replace(/\/+$/, '');
      acceptTunnelUpgrades(server, o.app.fetch, o.log);
    },
    close: (graceMs) => hub.close(graceMs),
  };
}
