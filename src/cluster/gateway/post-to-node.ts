/**
 * One POST to a node over `node:http` with a keep-alive agent. The answer stays a Node stream: the gateway writes
 * it to its caller's socket as it is (`send-answer.ts`). On the gateway benchmark (`bench/gateway.ts`), undici's
 * fetch and the WHATWG stream conversions around it (node stream → `Response` → Hono → node stream again) were
 * most of the time the gateway added to the first token. Failures keep fetch's shape (an error whose
 * `cause.code` names the socket error) so callers tell them apart the same way.
 */
import { Agent, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { nodeCallHeaders } from '../relay-auth.js';

/** A node's answer: status, headers (as `node:http` parsed them: lower-case names) and the body still arriving. */
export interface NodeReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

export function postToNode(
  agent: Agent,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  /** The cluster secret, sent only when `url` is a relay URL (a node behind NAT, `relay-auth.ts`). */
  clusterSecret?: string,
): Promise<NodeReply> {
  return new Promise<NodeReply>((resolve, reject) => {
    const payload = Buffer.from(body);
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        signal,
        headers: {
          ...headers,
          ...nodeCallHeaders(url, clusterSecret),
          'content-length': String(payload.length),
        },
      },
      (res) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res }),
    );
    req.once('error', (err) => reject(new Error('fetch failed', { cause: err })));
    req.end(payload);
  });
}

/** The keep-alive agent a gateway's requests to its nodes share. */
export function nodeAgent(): Agent {
  return new Agent({ keepAlive: true });
}
