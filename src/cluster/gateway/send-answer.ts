/**
 * Writes a node's answer straight to the caller's socket: the node's `IncomingMessage` is piped into the
 * gateway's `ServerResponse`, with no WHATWG `Response` or stream conversion in between (the gateway's share of
 * the first token's latency, `bench/gateway.ts`). Hono then gets a body-less response that carries the status for
 * the request log and metrics and tells @hono/node-server that the answer is already sent. Headers set by the
 * middleware before the handler (CORS) are kept; the node's own security headers come with its answer.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Logger } from '../../core/index.js';
import type { RoutedAnswer } from './node-router.js';

/** @hono/node-server's marker for a response written by the handler itself. */
const ALREADY_SENT = 'x-hono-already-sent';

/** The caller's socket (`c.env.outgoing`, @hono/node-server's binding): the gateway writes answers to it. */
function outgoingOf(c: Context): HttpBindings['outgoing'] {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing === undefined)
    throw new Error('the gateway answers through @hono/node-server (c.env.outgoing)');
  return outgoing;
}

/**
 * Aborted when the caller goes away before its answer is complete (its connection closes). Cheaper than
 * `c.req.raw.signal`, which builds the request's full WHATWG `Request`.
 */
export function callerGone(c: Context): AbortSignal {
  const outgoing = outgoingOf(c);
  const gone = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) gone.abort(new Error('the caller went away'));
  });
  return gone.signal;
}

export function sendAnswer(c: Context, answer: RoutedAnswer, log: Logger): Response {
  const outgoing = outgoingOf(c);
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
  // `pipe`, not `pipeline`: no abort controller per answer. A caller that goes away closes `outgoing` before it
  // finishes; the node's answer is then let go (the guard reports it cancelled and abandons the node request).
  answer.body.pipe(outgoing);
  // A plain JSON answer that breaks cannot be repaired (the guard fails it): the caller's connection is cut.
  answer.body.once('error', (err) => outgoing.destroy(err));
  outgoing.once('close', () => {
    if (outgoing.writableFinished) return;
    log.debug({ path: c.req.path }, 'caller left before the answer ended');
    answer.body.destroy();
  });
  return new Response(null, { status: answer.status, headers: { [ALREADY_SENT]: 'true' } });
}
