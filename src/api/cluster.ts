/**
 * Wire contract of the cluster gateway's own API (`/api/cluster/*`): nodes, controller leadership, deployments and
 * draining. Served by `corral gateway` only; read by `corral cluster` and the console.
 */
import { z } from 'zod';

/** A model loaded on a node, as its last heartbeat reported it. */
export interface ClusterNodeLoadedModel {
  name: string;
  modelKey: string;
  sizeBytes: number;
  vramBytes: number;
  activeRequests: number;
  expiresAt: string | null;
}

/** One node in `GET /api/cluster/nodes`. */
export interface ClusterNodeInfo {
  id: string;
  name: string;
  url: string;
  /** `ready`, `draining` (takes no new requests) or `left`. */
  state: string;
  /** Serving: state `ready` and a heartbeat younger than `staleAfterMs`. */
  ready: boolean;
  ageMs: number;
  epoch: number;
  joinedAt: string;
  lastHeartbeat: string;
  /** This gateway's circuit breaker for the node: `closed`, `open` or `half-open`. */
  breaker: string;
  gatewayInFlight: number;
  report: {
    loadedModels: ClusterNodeLoadedModel[];
    storedModels: string[];
    queueDepth: number;
    inFlight: number;
    freeMemoryBytes: number;
    freeVramBytes: number | null;
  };
}

/** `GET /api/cluster/nodes`. */
export interface ClusterNodesResponse {
  staleAfterMs: number;
  nodes: ClusterNodeInfo[];
}

/** `GET /api/cluster/leader`: the controller; `holder` and `epoch` are null before anyone led. */
export interface ClusterLeaderResponse {
  holder: string | null;
  epoch: number | null;
  this_gateway_is_leader: boolean;
}

/** `POST /api/cluster/deployments`: keep `replicas` nodes with `model` loaded. */
export const deployRequestSchema = z.object({
  model: z.string().min(1).max(512),
  replicas: z.number().int().min(1).max(100),
});
export type DeployRequest = z.input<typeof deployRequestSchema>;

/** One deployment, with how many ready nodes have the model loaded now. */
export interface ClusterDeployment {
  model: string;
  replicas: number;
  ready_replicas: number;
  created_at: string;
  updated_at: string;
}

/** `GET /api/cluster/deployments`. */
export interface ClusterDeploymentsResponse {
  deployments: ClusterDeployment[];
}

/** `POST /api/cluster/nodes/:name/drain`. */
export interface DrainResponse {
  name: string;
  state: string;
}

// Nodes joined through a gateway (`corral serve --join`, docs/cluster.md "Nodes behind NAT"): the node has no
// database access, so the gateway writes its membership. Permission `cluster:join` (a join token).

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const bytes = z.number().min(0).max(Number.MAX_SAFE_INTEGER);

/** A node's heartbeat report, as `GET /api/cluster/nodes` shows it. */
export const nodeReportSchema = z.object({
  loadedModels: z
    .array(
      z.object({
        name: z.string().min(1).max(512),
        modelKey: z.string().max(512),
        sizeBytes: bytes,
        vramBytes: bytes,
        activeRequests: count,
        expiresAt: z.string().max(64).nullable(),
      }),
    )
    .max(1024),
  storedModels: z.array(z.string().min(1).max(512)).max(100_000),
  queueDepth: count,
  inFlight: count,
  freeMemoryBytes: bytes,
  freeVramBytes: bytes.nullable(),
});

/** The relay URL the gateway holding the node's tunnel signed for it (a node cannot choose its own URL). */
export const relayTicketSchema = z.object({
  url: z.string().min(1).max(2048),
  signature: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
});

const nodeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a node id (letters, digits, -)');

/** `POST /api/cluster/join`: register (or register again) a node reached through its tunnel. */
export const joinRequestSchema = z.object({
  id: nodeId,
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
      'use letters, digits, ".", "_" and "-" (at most 63 characters)',
    ),
  report: nodeReportSchema,
  relay: relayTicketSchema,
});
export type JoinRequest = z.input<typeof joinRequestSchema>;

/** `POST /api/cluster/join`: the registration as stored. */
export interface JoinResponse {
  id: string;
  name: string;
  url: string;
  state: string;
  epoch: number;
}

/** `POST /api/cluster/join/:id/heartbeat`. */
export const joinHeartbeatRequestSchema = z.object({ report: nodeReportSchema, relay: relayTicketSchema });
export type JoinHeartbeatRequest = z.input<typeof joinHeartbeatRequestSchema>;

/** `POST /api/cluster/join/:id/state`: a joined node drains or leaves (it cannot undo an operator's drain). */
export const joinStateRequestSchema = z.object({
  state: z.enum(['draining', 'left']),
  relay: relayTicketSchema,
});
export type JoinStateRequest = z.input<typeof joinStateRequestSchema>;

/** The answer of the heartbeat and state routes: false when the node is unknown or `left` (register again). */
export interface JoinUpdateResponse {
  ok: boolean;
}

/** `POST /api/cluster/join-tokens` (admin): a new API key with the `node` role; `expires_in` is a duration. */
export const createJoinTokenRequestSchema = z.object({
  name: z.string().min(1).max(64),
  expires_in: z.string().max(32).optional(),
});
export type CreateJoinTokenRequest = z.input<typeof createJoinTokenRequestSchema>;
