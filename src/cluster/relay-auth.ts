/**
 * Trust between gateways for nodes reached through a tunnel (issue #7, nodes behind NAT). A joined node's URL is a
 * relay URL on the gateway holding its tunnel, `<gateway>/api/cluster/relay/<node id>`, on that gateway's public
 * port. Two secrets-derived checks keep it from being an open proxy:
 *
 * - Every gateway sends the cluster secret (shared through the database, `cluster-secret.ts`) when it calls a
 *   relay URL — and only then, so the secret never goes to an ordinary node URL. The relay route refuses any
 *   request without it.
 * - A node never chooses its own URL: the gateway that accepts its tunnel hands it a relay ticket, the URL signed
 *   (HMAC-SHA256 with the cluster secret) for that node id, and a gateway registers a joined node only with a
 *   ticket that verifies. So a relay URL in the database always points at a gateway, and the secret sent with
 *   calls to relay URLs only ever goes to gateways.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Path prefix of the relay route: `/api/cluster/relay/<node id>/<the node's own path>`. */
export const RELAY_PREFIX = '/api/cluster/relay/';

/** The header gateways send the cluster secret in when they call a relay URL. */
export const CLUSTER_SECRET_HEADER = 'x-corral-cluster-secret';

/** A relay URL and its signature, as the gateway holding a node's tunnel issues them. */
export interface RelayTicket {
  url: string;
  /** HMAC-SHA256 (hex) of the node id and the URL with the cluster secret. */
  signature: string;
}

/** `<gateway>/api/cluster/relay/<node id>`: where every gateway reaches a node whose tunnel `gatewayUrl` holds. */
export function relayUrl(gatewayUrl: string, nodeId: string): string {
  return `${gatewayUrl.replace(/\/+$/, '')}${RELAY_PREFIX}${encodeURIComponent(nodeId)}`;
}

/** Whether `url` goes through a gateway's relay route. */
export function isRelayUrl(url: string): boolean {
  return URL.canParse(url) && new URL(url).pathname.startsWith(RELAY_PREFIX);
}

/**
 * The headers a gateway adds to a call to `url` (a node URL plus a path): the cluster secret when it is a relay
 * URL, nothing otherwise. Every gateway-to-node call goes through here: the router, the listings and the
 * controller.
 */
export function nodeCallHeaders(url: string, secret: string | undefined): Record<string, string> {
  return secret !== undefined && isRelayUrl(url) ? { [CLUSTER_SECRET_HEADER]: secret } : {};
}

/** Whether `presented` is `secret`, compared in constant time. */
export function secretMatches(presented: string | undefined, secret: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sign(secret: string, nodeId: string, url: string): string {
  return createHmac('sha256', secret).update(`corral-relay\n${nodeId}\n${url}`).digest('hex');
}

/** The ticket for node `nodeId` reached at relay URL `url`. */
export function issueRelayTicket(secret: string, nodeId: string, url: string): RelayTicket {
  return { url, signature: sign(secret, nodeId, url) };
}

/** Whether `ticket` was issued by a gateway of this cluster for node `nodeId`. */
export function relayTicketValid(secret: string, nodeId: string, ticket: RelayTicket): boolean {
  const expected = Buffer.from(sign(secret, nodeId, ticket.url), 'hex');
  const given = Buffer.from(ticket.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
