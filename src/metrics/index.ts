/** Prometheus metrics of the server: the registry, the observers core feeds, the HTTP request counters. */
export {
  Metrics,
  UNMATCHED_ROUTE,
  type MetricsOptions,
  type RequestSample,
  type SchedulerGauges,
} from './metrics.js';
export { PullBytes, type ProgressLine } from './pull-bytes.js';
