/**
 * Answers a handler writes to the caller's socket itself (`c.env.outgoing`, @hono/node-server's binding) instead
 * of returning a `Response`: the gateway relays a node's answer that way. The handler returns a body-less response
 * with @hono/node-server's marker header so the answer is not written twice; middleware that acts when an answer
 * is over (the rate limiter's concurrency slot) waits for the socket instead of that empty body.
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/** @hono/node-server's marker for a response written by the handler itself. */
export const ALREADY_SENT_HEADER = 'x-hono-already-sent';

/** The caller's socket; only servers run by @hono/node-server have one. */
export function outgoingOf(c: Context): HttpBindings['outgoing'] | undefined {
  return (c.env as Partial<HttpBindings> | undefined)?.outgoing;
}

/**
 * Calls `done` once the answer the handler wrote itself is over (sent, or its caller gone), and returns true; or
 * returns false when the handler wrote nothing itself (its answer is the returned `Response`).
 */
export function whenDirectAnswerDone(c: Context, done: () => void): boolean {
  const outgoing = outgoingOf(c);
  // `headersSent` is true from `writeHead` on, before anything is flushed; @hono/node-server itself writes the
  // head of a returned `Response` only after the middleware is done.
  if (outgoing === undefined || !outgoing.headersSent) return false;
  if (outgoing.closed) done();
  else outgoing.once('close', done);
  return true;
}
