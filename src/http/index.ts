export * from './app.js';
export * from './app-deps.js';
export { PullMonitor, type MonitorOptions, type PullSubscriber } from './console/pull-monitor.js';
