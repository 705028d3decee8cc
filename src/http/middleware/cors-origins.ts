/**
 * CORS: browsers may call the API from localhost pages, desktop-app schemes (as Ollama allows by default), and
 * the origins configured in `CORRAL_ORIGINS` (`*` allows all). Everything else gets no CORS headers.
 */
import { cors } from 'hono/cors';
import type { MiddlewareHandler } from 'hono';

const LOCAL = /^(https?):\/\/(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(:\d+)?$/;
const APP_SCHEMES = /^(app|file|tauri|vscode-webview):\/\//;

/** Decide whether an Origin header value may call the API. */
export function originAllowed(origin: string, configured: readonly string[]): boolean {
  if (configured.includes('*')) return true;
  if (LOCAL.test(origin) || APP_SCHEMES.test(origin)) return true;
  return configured.some((allowed) => {
    if (!allowed.includes('*')) return allowed === origin;
    const pattern = new RegExp(
      `^${allowed
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return pattern.test(origin);
  });
}

export function corsOrigins(configured: readonly string[]): MiddlewareHandler {
  return cors({
    origin: (origin) => (origin && originAllowed(origin, configured) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'],
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'User-Agent',
      'Accept',
      'X-Requested-With',
      'OpenAI-Beta',
      // Anthropic's browser clients: the key, the API version and the browser opt-in (all ignored but the key).
      'X-Api-Key',
      'Anthropic-Version',
      'Anthropic-Beta',
      'Anthropic-Dangerous-Direct-Browser-Access',
    ],
    maxAge: 600,
  });
}
