/**
 * The reverse tunnel's wire (issue #7, nodes behind NAT). A node that gateways cannot reach opens the connection
 * itself: an HTTP/1.1 `GET /api/cluster/tunnel` with `Connection: Upgrade`, `Upgrade: corral-tunnel`, its join
 * token as the bearer and its node id. The gateway answers `101 Switching Protocols` with the node's relay ticket
 * and from then on the socket carries HTTP/2 with the roles turned around: the gateway is the client (it sends
 * requests), the node the server (it answers them from its own listener). HTTP/2 gives many concurrent requests
 * on the one connection, per-stream cancellation (RST_STREAM) and PING frames to notice a dead peer.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { Duplex } from 'node:stream';

export const TUNNEL_PATH = '/api/cluster/tunnel';
/** The `Upgrade` token. */
export const TUNNEL_PROTOCOL = 'corral-tunnel';
/** The node's id, on the upgrade request. */
export const NODE_ID_HEADER = 'x-corral-node-id';
/** The relay ticket, on the `101` answer. */
export const RELAY_URL_HEADER = 'x-corral-relay-url';
export const RELAY_SIGNATURE_HEADER = 'x-corral-relay-signature';

/**
 * HTTP/2 flow-control windows of a tunnel. The defaults (64 KiB per stream and per connection) allow one window of
 * data per round trip, which over a home uplink's latency would cap a relayed response at a few MB/s.
 */
export const STREAM_WINDOW = 4 * 1024 * 1024;
export const SESSION_WINDOW = 16 * 1024 * 1024;

/** A node id as `node-id.ts` makes them (a UUID), or any short token of that alphabet. */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export function isNodeId(text: string | undefined): text is string {
  return text !== undefined && NODE_ID.test(text);
}

/**
 * Headers that describe one connection rather than the message (RFC 9110 §7.6.1; HTTP/2 forbids them, RFC 9113
 * §8.2.2), the host (each hop sets its own), and the cluster secret (it authenticates the hop to the relay, the
 * node has no use for it).
 */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
  'host',
  'x-corral-cluster-secret',
]);

/** `headers` without pseudo-headers and hop-by-hop ones: what one hop passes on to the next. */
export function forwardedHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value === undefined || key.startsWith(':') || HOP.has(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * A socket HTTP/2 can run over. Node's HTTP/2 server refuses TLS sockets that did not negotiate `h2` by ALPN (an
 * upgraded `https://` connection negotiated nothing); wrapped in a plain duplex it runs over the TLS stream.
 */
export function h2Transport(socket: Duplex): Duplex {
  if (!('alpnProtocol' in socket)) return socket;
  const plain = Duplex.from({ readable: socket, writable: socket });
  plain.once('close', () => socket.destroy());
  socket.once('close', () => plain.destroy());
  return plain;
}
