/**
 * Prometheus metrics of a server or gateway: the registry, the observers core feeds, the HTTP request counters,
 * the node load gauges and the gateway's forwarding metrics.
 */
export { Metrics, UNMATCHED_ROUTE, type MetricsOptions, type RequestSample } from './metrics.js';
export { type CacheTotals, type SchedulerGauges, summarizeCache, usageRatio } from './node-load.js';
export {
  BREAKER_VALUES,
  GatewayMetrics,
  type BreakerGaugeState,
  type ForwardOutcome,
  type GatewayNode,
  type GatewaySources,
} from './gateway-metrics.js';
export { PullBytes, type ProgressLine } from './pull-bytes.js';
