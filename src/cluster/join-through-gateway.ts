/**
 * The cluster side of `corral serve --join <gateway> --token <join token>` (issue #7, nodes behind NAT): a node that
 * can reach a gateway but that neither the gateways nor the database can reach. It opens its tunnel first (a
 * refused token rejects here, so `corral serve` exits with the gateway's message), then runs the same
 * {@link NodeAgent} as a database-joined node over {@link GatewayMembership}: the gateway writes the membership and
 * the URL is the relay URL of the gateway holding the tunnel. Everything else stays local (SQLite, the model
 * store); the node's own listener may stay on loopback, since relayed requests arrive through the tunnel.
 */
import { hostname } from 'node:os';
import type { Logger } from '../core/index.js';
import type { NodeReport } from '../db/index.js';
import { GatewayMembership } from './gateway-membership.js';
import { NodeAgent } from './node-agent.js';
import { loadNodeId } from './node-id.js';
import type { NodeMembership } from './node-membership.js';
import { TunnelClient } from './tunnel/index.js';

/** What {@link joinThroughGateway} needs. */
export interface GatewayJoinOptions {
  /** `CORRAL_JOIN_URL`: a gateway, or the load balancer in front of the gateways. */
  joinUrl: string;
  /** `CORRAL_JOIN_TOKEN`. */
  token: string;
  home: string;
  /** `CORRAL_NODE_NAME`; empty: the hostname. */
  name: string;
  /** The URL the server listens at; relayed requests go there (0.0.0.0 and :: become loopback). */
  listenUrl: string;
  /** Heartbeat period; tunnel PINGs use it too (and give up after twice as long). */
  intervalMs: number;
  report: () => Promise<NodeReport>;
  log: Logger;
}

/** `listenUrl` as this machine reaches itself: an unspecified bind address becomes loopback. */
export function loopbackUrl(listenUrl: string): string {
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.toString().replace(/\/$/, '');
}

/** Opens the tunnel, registers through the gateway and keeps heartbeating; rejects on a refused token or name. */
export async function joinThroughGateway(o: GatewayJoinOptions): Promise<NodeMembership> {
  const id = await loadNodeId(o.home);
  const name = o.name === '' ? hostname() : o.name;
  const log = o.log.child({ join: o.joinUrl });
  const late: { agent?: NodeAgent } = {}; // the agent starts once the tunnel is open
  const tunnel = new TunnelClient({
    joinUrl: o.joinUrl,
    token: o.token,
    nodeId: id,
    target: loopbackUrl(o.listenUrl),
    log,
    pingIntervalMs: o.intervalMs,
    pingTimeoutMs: 2 * o.intervalMs,
    onOpen: () => void late.agent?.nudge(), // back in the cluster now, not at the next heartbeat
  });
  await tunnel.start();
  const cluster = new GatewayMembership({ joinUrl: o.joinUrl, token: o.token, tunnel });
  // The URL the agent would register is the gateway's to choose (the relay URL of the tunnel's ticket).
  const member = new NodeAgent({
    cluster,
    node: { id, name, url: '' },
    report: o.report,
    log,
    intervalMs: o.intervalMs,
  });
  late.agent = member;
  try {
    await member.start();
  } catch (err) {
    await tunnel.close();
    throw err;
  }
  return {
    id,
    name,
    get url() {
      return cluster.url;
    },
    nudge: () => member.nudge(),
    async drain() {
      try {
        await cluster.setState(id, 'draining');
      } catch (err) {
        // Best effort: a node that cannot say it drains still leaves (or goes stale) when it stops.
        log.warn({ err }, 'cluster drain not recorded');
      }
    },
    async close() {
      await member.close(); // marks the node `left` while the gateway still knows its ticket
      await tunnel.close();
    },
  };
}
