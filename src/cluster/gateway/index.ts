/** The cluster gateway (issue #7): stateless, model-aware routing of the public APIs to nodes. */
export { startGateway, type RunningGateway, type StartGatewayOptions } from './start-gateway.js';
export { clusterRoutes, type ClusterRouteDeps } from './cluster-routes.js';
export { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';
export { NodeDirectory, type NodeDirectoryOptions } from './node-directory.js';
export { NodeRouter, type NodeRouterOptions, type ForwardRequest } from './node-router.js';
export { type AttemptOutcome, type ForwardObserver } from './forward-observer.js';
export { normalizeModelName, rankNodes, type RankedNode } from './rank-nodes.js';
export { gatewayRoutes, PROXIED_ROUTES, type GatewayRouteDeps } from './gateway-routes.js';
export { relayStream, streamFormat, type StreamFormat } from './stream-guard.js';
