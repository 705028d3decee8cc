/**
 * The cluster side of `CORRAL_ROLE=node`: the node's identity (stable id, name, the URL gateways reach it at) and
 * its {@link NodeAgent}. `server.ts` starts it after listening and, on shutdown, marks the node `draining` before
 * it drains requests (gateways stop sending new ones) and closes the agent (`left`) after.
 */
import { hostname } from 'node:os';
import type { Logger } from '../core/index.js';
import type { ClusterRepository, NodeReport } from '../db/index.js';
import { NodeAgent } from './node-agent.js';
import { loadNodeId } from './node-id.js';

/** What {@link joinCluster} needs. */
export interface NodeMembershipOptions {
  cluster: Pick<ClusterRepository, 'register' | 'heartbeat' | 'setState'>;
  home: string;
  /** `CORRAL_NODE_NAME`; empty: the hostname. */
  name: string;
  /** `CORRAL_NODE_URL`; empty: derived from `listenUrl`. */
  url: string;
  /** The URL the server listens at (`http://0.0.0.0:11434` becomes `http://<hostname>:11434`). */
  listenUrl: string;
  intervalMs: number;
  report: () => Promise<NodeReport>;
  log: Logger;
}

/** A joined node: {@link NodeMembership.drain} then {@link NodeMembership.close}. */
export interface NodeMembership {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** Heartbeats at once (the node's models changed); resolves when that heartbeat has finished. */
  nudge(): Promise<void>;
  /** Marks the node `draining`: gateways route nothing new to it. Best effort. */
  drain(): Promise<void>;
  /** Stops heartbeating and marks the node `left`. Idempotent. */
  close(): Promise<void>;
}

/** `listenUrl` with an unspecified bind address (0.0.0.0, ::) replaced by this machine's hostname. */
export function advertisedUrl(listenUrl: string): string {
  const url = new URL(listenUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0' || host === '::') url.hostname = hostname();
  return url.toString().replace(/\/$/, '');
}

/** Registers this node and keeps it heartbeating; rejects when its name is taken by another node. */
export async function joinCluster(o: NodeMembershipOptions): Promise<NodeMembership> {
  const id = await loadNodeId(o.home);
  const name = o.name === '' ? hostname() : o.name;
  const url = o.url === '' ? advertisedUrl(o.listenUrl) : o.url.replace(/\/+$/, '');
  const agent = new NodeAgent({
    cluster: o.cluster,
    node: { id, name, url },
    report: o.report,
    log: o.log,
    intervalMs: o.intervalMs,
  });
  await agent.start();
  return {
    id,
    name,
    url,
    async drain() {
      try {
        await o.cluster.setState(id, 'draining');
      } catch (err) {
        // Best effort: a node that cannot say it drains still leaves (or goes stale) when it stops.
        o.log.warn({ err }, 'cluster drain not recorded');
      }
    },
    nudge: () => agent.nudge(),
    close: () => agent.close(),
  };
}
