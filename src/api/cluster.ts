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
