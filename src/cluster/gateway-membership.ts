/**
 * The membership writes of a node joined through a gateway (`corral serve --join`): the three calls
 * {@link NodeAgent} makes, as HTTP requests to the gateway with the join token, which performs them in the
 * database for the node. Registration and heartbeats carry the relay ticket of the open tunnel and are only sent
 * while it is open: a node without a tunnel cannot be reached, so it must go stale, not stay "ready". When the
 * tunnel comes back through another gateway (a new relay URL), the next heartbeat reports the node unknown, so the
 * agent registers it again under the new URL.
 */
import { ApiError, Client } from '../api/index.js';
import { AppError, type ErrorCode } from '../core/index.js';
import type { ClusterNodeRecord, ClusterNodeState, ClusterRepository, NodeReport } from '../db/index.js';
import type { RelayTicket } from './relay-auth.js';

/** Options of {@link GatewayMembership}. */
export interface GatewayMembershipOptions {
  joinUrl: string;
  token: string;
  /** The node's tunnel: its ticket while it is open. */
  tunnel: { readonly ticket: RelayTicket | undefined };
  /** How long one call may take (default 10 s). */
  timeoutMs?: number;
}

/** The gateway's refusal statuses that mean something to the agent and the CLI. */
const CODES: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  409: 'CONFLICT',
};

/** {@link ClusterRepository}'s node writes, through a gateway. */
export class GatewayMembership implements Pick<ClusterRepository, 'register' | 'heartbeat' | 'setState'> {
  readonly #o: GatewayMembershipOptions;
  readonly #client: Client;
  /** The relay ticket of the current registration. */
  #registered: RelayTicket | undefined;

  constructor(options: GatewayMembershipOptions) {
    this.#o = options;
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#client = new Client({
      baseUrl: options.joinUrl,
      apiKey: options.token,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  /** The URL gateways reach the node at: the relay URL of its registration; empty before the first. */
  get url(): string {
    return this.#registered?.url ?? '';
  }

  async register(node: {
    id: string;
    name: string;
    url: string;
    report: NodeReport;
  }): Promise<ClusterNodeRecord> {
    const relay = this.#ticket();
    const joined = await this.#call(() =>
      this.#client.clusterJoin({ id: node.id, name: node.name, report: node.report, relay }),
    );
    this.#registered = relay;
    const now = new Date();
    return {
      id: joined.id,
      name: joined.name,
      url: joined.url,
      state: joined.state as ClusterNodeState,
      report: node.report,
      joinedAt: now,
      lastHeartbeat: now,
      epoch: joined.epoch,
    };
  }

  async heartbeat(id: string, report: NodeReport): Promise<boolean> {
    const relay = this.#ticket();
    if (relay.url !== this.#registered?.url) return false; // the tunnel moved: register under the new URL
    return (await this.#call(() => this.#client.clusterHeartbeat(id, { report, relay }))).ok;
  }

  async setState(id: string, state: ClusterNodeState): Promise<boolean> {
    if (state === 'ready') {
      throw new AppError(
        'INVALID_REQUEST',
        'a joined node becomes ready by registering, not by setting its state',
      );
    }
    // Draining and leaving go out without a tunnel too (the node is shutting down): the last ticket still holds.
    const relay = this.#o.tunnel.ticket ?? this.#registered;
    if (relay === undefined) return false;
    return (await this.#call(() => this.#client.clusterNodeState(id, { state, relay }))).ok;
  }

  #ticket(): RelayTicket {
    const ticket = this.#o.tunnel.ticket;
    if (ticket === undefined) {
      throw new AppError(
        'SERVER_UNREACHABLE',
        `no tunnel to the gateway at ${this.#o.joinUrl} yet: heartbeats wait for it`,
      );
    }
    return ticket;
  }

  /** `work`, with the gateway's answers as the errors the agent and the CLI tell apart. */
  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const code = CODES[err.status] ?? 'SERVER_UNREACHABLE';
      const message =
        err.status === 0
          ? `cannot reach the gateway at ${this.#o.joinUrl}`
          : `the gateway answered ${err.status}: ${err.message}`;
      throw new AppError(code, message, { cause: err });
    }
  }
}
