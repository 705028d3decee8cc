/** The authenticated caller of a request, set by the `authorize` middleware and read by handlers. */
import type { Context } from 'hono';
import { type Principal, ANONYMOUS } from '../auth/index.js';
import { AppError } from '../core/index.js';
import { parseDuration } from '../lib/index.js';

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

/** Who sends an inference request and its own `timeout`, for the request registry (queue view, timeouts). */
export function callerOf(c: Context, timeout?: string | number): { client?: string; timeoutMs?: number } {
  const who = principalOf(c);
  const client = who.kind === 'anonymous' ? undefined : who.name;
  if (timeout === undefined) return { client };
  try {
    return { client, timeoutMs: parseDuration(timeout) };
  } catch (err) {
    throw new AppError('INVALID_REQUEST', `timeout: ${(err as Error).message}`, { cause: err });
  }
}
