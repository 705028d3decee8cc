/**
 * Writes a node's answer straight to the caller's socket: the node's `IncomingMessage` is piped into the
 * gateway's `ServerResponse`, with no WHATWG `Response` or stream conversion in between (the gateway's share of
 * the first token's latency, `bench/gateway.ts`). Hono then gets a body-less response that carries the status for
 * the request log and metrics and tells @hono/node-server that the answer is already sent. Headers set by the
 * middleware before the handler (CORS) are kept; the node's own security headers come with its answer.
 * Outside @hono/node-server (an in-process `app.request`), the answer becomes an ordinary `Response`.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import type { Logger } from '../../core/index.js';
import type { RoutedAnswer } from './node-router.js';

/** @hono/node-server's marker for a response written by the handler itself. */
const ALREADY_SENT = 'x-hono-already-sent';

export function sendAnswer(c: Context, answer: RoutedAnswer, log: Logger): Response {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing === undefined) {
    return new Response(Readable.toWeb(answer.body) as ReadableStream<Uint8Array>, {
      status: answer.status,
      headers: answer.headers,
    });
  }
  const headers: OutgoingHttpHeaders = {};
  c.res.headers.forEach((value, key) => {
    if (key !== 'content-type') headers[key] = value;
  });
  answer.headers.forEach((value, key) => (headers[key] = value));
  // Not flushed on their own: the headers leave with the first chunk, in one write.
  outgoing.writeHead(answer.status, headers);
  pipeline(answer.body, outgoing, (err) => {
    // The caller went away (or its socket failed): the guard has already let go of the node's answer.
    if (err) log.debug({ err, path: c.req.path }, 'caller left before the answer ended');
  });
  return new Response(null, { status: answer.status, headers: { [ALREADY_SENT]: 'true' } });
}
