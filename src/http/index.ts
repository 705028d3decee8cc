export * from './app.js';
export * from './app-deps.js';
export { PullMonitor, type MonitorOptions, type PullSubscriber } from './console/pull-monitor.js';
export { createAppBase, type AppBaseDeps } from './app-base.js';
export { accountRoutes } from './admin/account-routes.js';
export { dialectOf, errorBody, toAppError, type Dialect } from './errors.js';
export { parseBody } from './parse-body.js';
export { gatewayRouteTable, routeTable, type RouteSpec } from './route-permissions.js';
