/**
 * The reverse tunnel between a node behind NAT and a gateway (issue #7): the node dials out, the gateway sends
 * requests back over HTTP/2 on that connection.
 */
export { TunnelClient, type TunnelClientOptions } from './tunnel-client.js';
export { TunnelHub, type TunnelHubOptions, type TunnelOffer, type RelayRequest } from './tunnel-hub.js';
export { LocalForwarder } from './local-forwarder.js';
export { keepAlive, type KeepAliveOptions } from './keep-alive.js';
export { isNodeId, NODE_ID_HEADER, TUNNEL_PATH, TUNNEL_PROTOCOL } from './tunnel-protocol.js';
