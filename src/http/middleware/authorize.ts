/**
 * Authentication, authorization, rate limiting and auditing, driven by the route table: find the matched
 * route's spec, resolve the caller (a local admin when auth is off), refuse callers whose role lacks the
 * permission (401 for nobody, 403 for a weaker role; both audited), hold a rate-limit slot for the life of the
 * response (streams included), and audit state-changing routes with their outcome.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import {
  ANONYMOUS,
  type AuditLog,
  type Authenticator,
  LOCAL_PRINCIPAL,
  type Principal,
  type RateLimiter,
} from '../../auth/index.js';
import { AppError, allows, isAppError, type Logger } from '../../core/index.js';
import { clientIp, setPrincipal } from '../auth-context.js';
import { whenDirectAnswerDone } from '../direct-answer.js';
import { matchedRouteKey } from '../route-match.js';
import { type AuditTarget, routeTable, type RouteSpec } from '../route-permissions.js';

/** Cookie holding a console session token. */
export const SESSION_COOKIE = 'corral_session';

/** What {@link authorize} needs. */
export interface AuthorizeOptions {
  enabled: boolean;
  authenticator: Authenticator;
  limiter: RateLimiter;
  audit: AuditLog;
  log: Logger;
  /** Override of the route table (tests). */
  table?: Readonly<Record<string, RouteSpec>>;
}

export function authorize(options: AuthorizeOptions): MiddlewareHandler {
  const table = options.table ?? routeTable;
  return async (c, next) => {
    const key = matchedRouteKey(c);
    if (key === undefined) return next(); // no route: the 404 handler answers
    const spec = table[key];
    if (spec === undefined) {
      options.log.error({ route: key }, 'route has no declared permission');
      throw new AppError('INTERNAL', `route ${key} declares no permission`);
    }
    const principal = options.enabled ? await authenticate(c, options, key) : LOCAL_PRINCIPAL;
    await check(c, options, principal, spec, key);
    const release = options.limiter.acquire(principal.id, principal.limits);
    setPrincipal(c, principal);
    try {
      await next();
    } finally {
      if (principal.limits.concurrent > 0 && spec.watch !== true) {
        // A relayed answer (the gateway's) is written to the socket by its handler: it holds the slot until sent.
        if (!whenDirectAnswerDone(c, release)) c.res = whenBodyDone(c.res, release);
      } else release();
    }
    if (spec.audit !== undefined) {
      await options.audit.record(principal, {
        action: spec.audit,
        target: await targetOf(c, spec.target),
        outcome: c.res.status < 400 ? 'success' : 'failure',
        status: c.res.status,
        ip: clientIp(c),
      });
    }
  };
}

async function authenticate(c: Context, options: AuthorizeOptions, route: string): Promise<Principal> {
  const header = c.req.header('authorization');
  // Anthropic's clients send the key as `x-api-key`; it counts as the bearer token when Authorization is absent.
  const apiKey = c.req.header('x-api-key')?.trim();
  const bearer =
    header === undefined ? (apiKey === '' ? undefined : apiKey) : /^Bearer\s+(.+)$/i.exec(header.trim())?.[1];
  if (header !== undefined && bearer === undefined) {
    await deny(c, options, ANONYMOUS, route, 401, 'the Authorization header is not "Bearer <key>"');
  }
  try {
    return await options.authenticator.authenticate({ bearer, session: getCookie(c, SESSION_COOKIE) });
  } catch (err) {
    if (!isAppError(err, 'UNAUTHORIZED')) throw err;
    return deny(c, options, ANONYMOUS, route, 401, err.message);
  }
}

async function check(c: Context, o: AuthorizeOptions, who: Principal, spec: RouteSpec, route: string) {
  if (spec.permission === 'public' || (who.role !== undefined && allows(who.role, spec.permission))) return;
  if (who.role === undefined) {
    await deny(c, o, who, route, 401, 'authentication required: send Authorization: Bearer <API key>');
  }
  await deny(c, o, who, route, 403, `role "${who.role}" lacks the "${spec.permission}" permission`);
}

async function deny(
  c: Context,
  o: AuthorizeOptions,
  who: Principal,
  route: string,
  status: 401 | 403,
  why: string,
): Promise<never> {
  await o.audit.record(who, {
    action: status === 401 ? 'auth.unauthenticated' : 'auth.forbidden',
    target: route,
    outcome: 'denied',
    status,
    ip: clientIp(c),
    details: { reason: why },
  });
  throw new AppError(status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', why);
}

async function targetOf(c: Context, target: AuditTarget | undefined): Promise<string | null> {
  if (target === undefined) return null;
  if ('param' in target) return c.req.param(target.param) ?? null;
  try {
    const body = JSON.parse(await c.req.text()) as Record<string, unknown>; // cached by the handler's read
    const value = target.body.map((f) => body[f]).find((v) => typeof v === 'string');
    return typeof value === 'string' ? value : null;
  } catch {
    return null; // an unreadable body has no target; the entry still records the action and its status
  }
}

/** `res` with `done` called once its body is fully sent, cancelled or failed (or at once when bodiless). */
function whenBodyDone(res: Response, done: () => void): Response {
  if (res.body === null) {
    done();
    return res;
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          done();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (err) {
        done();
        controller.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
