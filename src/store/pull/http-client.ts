/**
 * A small HTTP(S) client over `node:http` for registry and Hugging Face transfers. Not `fetch`: bodies arrive as
 * Node streams (fewer copies at hundreds of MB/s), redirects are followed by hand so credentials never travel
 * to another origin (blob storage, a CDN), and the sockets belong to agents that `close()` destroys.
 * An idle socket (no byte for `idleTimeoutMs`, headers or body) fails with `ETIMEDOUT`, which callers retry.
 * Blob downloads turn the timer off once the headers are in (`bodyTimeout: false`): they pause their sockets
 * for the bandwidth limit, and watch their bodies for stalls themselves (see `fetch-part.ts`).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

/** Options of one request. */
export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string | Readable;
  signal?: AbortSignal;
  /** Redirects followed for GET and HEAD (default 10; 0 returns the 3xx itself). */
  maxRedirects?: number;
  /**
   * `false`: the idle timeout covers connecting and the response headers only, and the caller watches the body
   * (a download that pauses its socket on purpose). Default `true`.
   */
  bodyTimeout?: boolean;
}

/** A response whose body has not been read yet: read it, or `resume()`/`destroy()` it. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Fail a request whose socket sees no byte for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Most sockets per origin (default 32). */
  maxSockets?: number;
  userAgent?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Keep-alive HTTP and HTTPS agents plus redirect handling; `close()` ends every socket. */
export class HttpClient {
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  readonly #idleTimeoutMs: number;
  readonly #userAgent: string;

  constructor(options: HttpClientOptions = {}) {
    const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
    this.#http = new http.Agent(agent);
    this.#https = new https.Agent(agent);
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'corral';
  }

  /** Send a request; resolves once the final response's headers arrived (any status). */
  async request(url: string | URL, init: HttpRequestInit = {}): Promise<HttpResponse> {
    let current = new URL(url);
    const method = init.method ?? 'GET';
    let headers: Record<string, string> = { 'user-agent': this.#userAgent, ...init.headers };
    const follow = method === 'GET' || method === 'HEAD';
    for (let hops = 0; ; hops++) {
      const res = await this.#send(current, method, headers, init);
      const location = res.headers.location;
      if (!follow || !REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
        return { status: res.statusCode ?? 0, headers: res.headers, body: res, url: current };
      }
      res.resume();
      if (hops >= (init.maxRedirects ?? 10)) {
        return { status: res.statusCode ?? 0, headers: res.headers, body: res, url: current };
      }
      const next = new URL(location, current);
      // Credentials are for the origin that asked for them, never for the storage a redirect points at.
      if (next.origin !== current.origin) headers = withoutAuthorization(headers);
      current = next;
    }
  }

  /** Destroy every socket. Idempotent. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    init: HttpRequestInit,
  ): Promise<IncomingMessage> {
    const { body, signal } = init;
    const secure = url.protocol === 'https:';
    const request = secure ? https.request : http.request;
    const length =
      typeof body === 'string'
        ? Buffer.byteLength(body)
        : body instanceof Uint8Array
          ? body.byteLength
          : undefined;
    const allHeaders = length === undefined ? headers : { ...headers, 'content-length': String(length) };
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        headers: allHeaders,
        agent: secure ? this.#https : this.#http,
        signal,
        timeout: this.#idleTimeoutMs,
      });
      req.once('timeout', () =>
        req.destroy(
          Object.assign(new Error(`no data from ${url.host} for ${this.#idleTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          }),
        ),
      );
      req.once('error', reject);
      req.once('response', (res) => {
        if (init.bodyTimeout === false) req.setTimeout(0);
        resolve(res);
      });
      if (body === undefined) req.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
      else {
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

/** Read a small response body as text, refusing more than `limit` bytes. */
export async function readText(res: HttpResponse, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw new Error(`response from ${res.url.host} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short excerpt of an error response body for messages (never throws). */
export async function errorText(res: HttpResponse): Promise<string> {
  try {
    const text = (await readText(res, 64 * 1024)).trim();
    try {
      const json = JSON.parse(text) as { errors?: Array<{ message?: string }>; error?: string };
      const message = json.errors?.[0]?.message ?? json.error;
      if (typeof message === 'string') return message;
    } catch {
      // Not JSON: the raw text is the message.
    }
    return text.slice(0, 300);
  } catch (err) {
    // The body could not be read (connection reset): the status line alone describes the failure.
    return (err as Error).message;
  }
}
