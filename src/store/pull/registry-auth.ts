/**
 * The registry token dance (Docker/OCI distribution token auth, as Ollama's `server/auth.go` follows it): a request
 * answered `401` with `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` is retried once with a token
 * fetched from `realm?service=…&scope=…`. Tokens are cached per registry origin and scope. Corral holds no
 * registry credentials, so the token request is anonymous; a registry that wants more answers 401/403 and the
 * pull fails with `REGISTRY_UNAUTHORIZED`.
 */
import { AppError } from '../../core/index.js';
import { errorText, type HttpClient, readText } from './http-client.js';
import { isTransientStatus, RetryableError } from './retry.js';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lower-cased scheme: `bearer`, `basic`, … */
  scheme: string;
  /** Parameters with lower-cased names (`realm`, `service`, `scope`). */
  params: Record<string, string>;
}

/** Parse one `WWW-Authenticate` challenge (RFC 7235 auth-params, quoted or bare values); `undefined` if empty. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header ?? '');
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  const rest = m[2] as string;
  for (let p = re.exec(rest); p !== null && p[0] !== ''; p = re.exec(rest)) {
    const value = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    params[(p[1] as string).toLowerCase()] = value;
  }
  return { scheme: (m[1] as string).toLowerCase(), params };
}

/** Fetches and caches registry bearer tokens. */
export class RegistryAuth {
  readonly #http: HttpClient;
  readonly #tokens = new Map<string, string>();

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The cached token for `origin` and `scope`, if any. */
  token(origin: string, scope: string): string | undefined {
    return this.#tokens.get(`${origin} ${scope}`);
  }

  /**
   * Answer a 401 challenge: fetch a token and cache it. Throws `REGISTRY_UNAUTHORIZED` when the challenge is not
   * a bearer challenge Corral can answer or the token service refuses.
   */
  async authorize(
    origin: string,
    scope: string,
    header: string | undefined,
    insecure: boolean,
    signal?: AbortSignal,
  ): Promise<string> {
    const challenge = parseChallenge(header);
    const realm = challenge?.params.realm;
    if (challenge?.scheme !== 'bearer' || realm === undefined) {
      throw new AppError(
        'REGISTRY_UNAUTHORIZED',
        `registry ${origin} requires credentials (${challenge?.scheme ?? 'no'} challenge), which Corral cannot send`,
      );
    }
    const url = new URL(realm, origin);
    if (url.protocol !== 'https:' && !(insecure && url.protocol === 'http:')) {
      throw new AppError(
        'REGISTRY_UNAUTHORIZED',
        `registry ${origin} sent an insecure token realm ${url.origin}`,
      );
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const s of (challenge.params.scope ?? scope).split(' ').filter(Boolean))
      url.searchParams.append('scope', s);
    const res = await this.#http.request(url, { signal });
    if (res.status === 401 || res.status === 403) {
      throw new AppError(
        'REGISTRY_UNAUTHORIZED',
        `registry ${origin} refused a token for ${scope}: ${res.status} ${await errorText(res)}`,
      );
    }
    if (res.status !== 200) {
      const message = `token request to ${url.origin} failed: ${res.status} ${await errorText(res)}`;
      if (isTransientStatus(res.status)) throw new RetryableError(message, 'REGISTRY_ERROR');
      throw new AppError('REGISTRY_ERROR', message);
    }
    const token = parseToken(await readText(res, 1024 * 1024));
    if (token === undefined)
      throw new AppError('REGISTRY_ERROR', `token service ${url.origin} sent no token`);
    this.#tokens.set(`${origin} ${scope}`, token);
    return token;
  }
}

function parseToken(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { token?: unknown; access_token?: unknown };
    const token = json.token ?? json.access_token;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    // Not JSON: treated as "no token", reported by the caller as a registry error.
    return undefined;
  }
}
