/**
 * One POST to a node over `node:http` with a keep-alive agent, answered as a WHATWG `Response`. The gateway's hot
 * path used `fetch` before; on the gateway benchmark (`bench/gateway.ts`) undici's fetch machinery and its
 * separate header and body writes were most of the time the gateway added to the first token. Failures keep
 * fetch's shape (an error whose `cause.code` names the socket error) so callers tell them apart the same way.
 */
import { Agent, request } from 'node:http';
import { Readable } from 'node:stream';

/** Statuses whose responses have no body (a `Response` refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

export function postToNode(
  agent: Agent,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const payload = Buffer.from(body);
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        signal,
        headers: { ...headers, 'content-length': String(payload.length) },
      },
      (res) => {
        const answer = new Headers();
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) answer.append(raw[i]!, raw[i + 1]!);
        const status = res.statusCode ?? 502;
        if (NO_BODY.has(status)) res.resume();
        const stream = NO_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: answer }));
      },
    );
    req.once('error', (err) => reject(new Error('fetch failed', { cause: err })));
    req.end(payload);
  });
}

/** The keep-alive agent a gateway's requests to its nodes share. */
export function nodeAgent(): Agent {
  return new Agent({ keepAlive: true });
}
