/**
 * The cluster (issue #7): nodes and gateways sharing one PostgreSQL database as the single source of truth. So far:
 * node membership with heartbeats judged by the database's clock, and controller leadership through an advisory
 * lock whose epoch fences a stale leader.
 */
export { NodeAgent, type NodeAgentOptions } from './node-agent.js';
export { createNodeReporter, type NodeReportSources } from './node-report.js';
export {
  joinCluster,
  advertisedUrl,
  type NodeMembership,
  type NodeMembershipOptions,
} from './node-membership.js';
export { loadNodeId } from './node-id.js';
export { joinThroughGateway, loopbackUrl, type GatewayJoinOptions } from './join-through-gateway.js';
export { GatewayMembership, type GatewayMembershipOptions } from './gateway-membership.js';
export { loadClusterSecret } from './cluster-secret.js';
export * from './relay-auth.js';
export * from './tunnel/index.js';
export { LeaderLease, type LeaderLeaseOptions } from './leader-lease.js';
export type {
  ClusterLeaderRecord,
  ClusterNodeRecord,
  ClusterNodeState,
  ClusterWrites,
  ListedClusterNode,
  NodeLoadedModel,
  NodeReport,
} from '../db/index.js';
export * from './gateway/index.js';
export * from './controller/index.js';
