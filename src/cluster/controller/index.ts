/** The cluster controller (issue #7): leader election among gateways, placement of deployments on nodes. */
export { ClusterController, type ClusterControllerOptions } from './cluster-controller.js';
export {
  planPlacement,
  type PlacementAction,
  type PlacementInput,
  type PlacementPlan,
} from './plan-placement.js';
