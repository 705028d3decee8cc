/** The authenticated caller of a request, set by the `authorize` middleware and read by handlers. */
import type { Context } from 'hono';
import { type Principal, ANONYMOUS } from '../auth/index.js';

const principals = new WeakMap<Request, Principal>();

/** Record the caller of `c`'s request. */
export function setPrincipal(c: Context, principal: Principal): void {
  principals.set(c.req.raw, principal);
}

/** The caller of `c`'s request (anonymous when the middleware did not run). */
export function principalOf(c: Context): Principal {
  return principals.get(c.req.raw) ?? ANONYMOUS;
}

/** The peer address of the request, when served over a socket. */
export function clientIp(c: Context): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}
