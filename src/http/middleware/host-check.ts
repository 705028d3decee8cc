/**
 * DNS-rebinding protection (as Ollama's allowedHostsMiddleware and Vite's hostCheck): while the server listens
 * on a loopback address, only requests whose Host header names a loopback or IP address, `localhost`,
 * `*.localhost`, or a configured name are served. A page on `evil.example` that resolves to 127.0.0.1 is refused.
 */
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../core/index.js';
import { isLoopback } from '../../lib/index.js';

/** Strip the port (and IPv6 brackets) from a Host header value. */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') >= 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function hostCheck(options: { listenHostname: string; allowedHosts: string[] }): MiddlewareHandler {
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const active = isLoopback(options.listenHostname);
  return async (c, next) => {
    if (active) {
      const header = c.req.header('host');
      // HTTP/1.0 clients may omit Host; a browser never does, so rebinding is not possible without it.
      const host = header === undefined ? 'localhost' : hostnameOf(header);
      const ok =
        host === '' ||
        isIP(host) !== 0 ||
        host === 'localhost' ||
        host.endsWith('.localhost') ||
        allowed.has(host);
      if (!ok) throw new AppError('FORBIDDEN_HOST', `host "${host}" is not allowed`);
    }
    await next();
  };
}
