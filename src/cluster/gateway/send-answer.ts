/**
 * Writes a node's answer straight to the caller's socket: the node's response body is relayed into the gateway's
 * `ServerResponse` (`relayStream`), with no WHATWG `Response` or stream conversion in between (the gateway's share
 * of the first token's latency, `bench/gateway.ts`). Hono then gets a body-less response that carries the status
 * for the request log and metrics and tells @hono/node-server that the answer is already sent
 * (`http/direct-answer.ts`). Headers set by the middleware before the handler (CORS) are kept; the node's own
 * security headers come with its answer.
 */
import type { Context } from 'hono';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ALREADY_SENT_HEADER, outgoingOf } from '../../http/index.js';
import type { RoutedAnswer } from './node-router.js';

function callerSocket(c: Context): ServerResponse {
  const outgoing = outgoingOf(c);
  if (outgoing === undefined)
    throw new Error('the gateway answers through @hono/node-server (c.env.outgoing)');
  return outgoing;
}

/**
 * Aborted when the caller goes away before its answer is complete (its connection closes). Cheaper than
 * `c.req.raw.signal`, which builds the request's full WHATWG `Request`.
 */
export function callerGone(c: Context): AbortSignal {
  const outgoing = callerSocket(c);
  const gone = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) gone.abort(new Error('the caller went away'));
  });
  return gone.signal;
}

export async function sendAnswer(c: Context, answer: RoutedAnswer): Promise<Response> {
  const outgoing = callerSocket(c);
  // Only a browser's request (one with an Origin) has middleware headers to keep: the CORS ones.
  const headers: OutgoingHttpHeaders = {};
  if (c.req.header('origin') !== undefined) {
    c.res.headers.forEach((value, key) => {
      if (key !== 'content-type') headers[key] = value;
    });
  }
  Object.assign(headers, answer.headers);
  // Not flushed on their own: the headers leave with the first chunk, in one write.
  outgoing.writeHead(answer.status, headers);
  // What Hono does after the handler (the middleware's second halves, the request log, metrics) waits for the
  // first chunk: the node sends it right behind its headers, and it would otherwise queue behind all that. The
  // chunk's write leaves on the next tick, ahead of the promise reactions.
  await answer.sendTo(outgoing);
  return new Response(null, { status: answer.status, headers: { [ALREADY_SENT_HEADER]: 'true' } });
}
