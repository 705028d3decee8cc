/**
 * The registry protocol Ollama speaks (OCI distribution v2, `server/images.go`): `GET /v2/<ns>/<model>/manifests/<tag>`,
 * `GET /v2/<ns>/<model>/blobs/<digest>` (often a redirect to blob storage), and for pushes `HEAD` blobs, uploads
 * and `PUT` manifests. Requests go to `https://<host>` (plain `http://` only when the caller says `insecure`),
 * carry a bearer token once a 401 challenge asked for one, and fail with typed errors: `REGISTRY_UNAUTHORIZED`
 * for 401/403, `MODEL_NOT_FOUND` for a missing manifest, `REGISTRY_ERROR` for other answers.
 *
 * Pulls from the default registry (`registry.ollama.ai`) may go through mirrors (`CORRAL_REGISTRY_MIRRORS`), as
 * Docker's `registry-mirrors` serve Docker Hub only: a model name says which registry it belongs to, so models of
 * any other host are fetched from that host. Mirrors are tried in order for the manifest and for each blob, and
 * the origin last, each mirror with one quick retry before the next; blobs are verified against their digests
 * whoever served them. The manifest is taken from a mirror as it would be from the origin (a tag has no digest
 * to check it against): mirrors are operator-configured, hence trusted like the origin.
 */
import {
  AppError,
  DEFAULT_HOST,
  type Logger,
  type Manifest,
  MANIFEST_MEDIA_TYPE,
  type ModelName,
  parseManifest,
  silentLogger,
} from '../../core/index.js';
import { type HttpClient, type HttpRequestInit, type HttpResponse, readText } from './http-client.js';
import { HttpRangeSource } from './http-range-source.js';
import type { RangeSource } from './range-source.js';
import { RegistryAuth } from './registry-auth.js';
import { METADATA_RETRY, RetryableError, type RetryPolicy, withRetry } from './retry.js';
import { allSourcesFailed, fallbackPolicy, isSourceFailure, type SourceFailure } from './source-fallback.js';
import { statusError } from './status-error.js';

/** Where a model lives: its name and whether plain HTTP is allowed. */
export interface RegistryTarget {
  name: ModelName;
  insecure: boolean;
}

/** A manifest as the registry sent it: parsed, plus the exact bytes (stored as they are, so digests match). */
export interface RemoteManifest {
  manifest: Manifest;
  bytes: Uint8Array;
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  retry?: RetryPolicy;
  /** Base URLs of mirrors of {@link mirrorOf}, tried in order before it (`CORRAL_REGISTRY_MIRRORS`). */
  mirrors?: readonly string[];
  /** The registry host the mirrors stand in for (default `registry.ollama.ai`; tests name a local one). */
  mirrorOf?: string;
  log?: Logger;
}

/** A place a model's content is read from: the registry itself or a mirror of it. */
interface Endpoint {
  /** Base URL without a trailing slash; `/v2/…` goes under it. */
  base: string;
  /** Whether plain HTTP is allowed for its token realm. */
  insecure: boolean;
  /** How messages and logs name it: the registry host, or `mirror <url>`. */
  label: string;
  mirror: boolean;
}

const MAX_MANIFEST = 4 * 1024 * 1024;

/** Client of Ollama-style registries. */
export class RegistryClient {
  readonly #http: HttpClient;
  readonly #auth: RegistryAuth;
  readonly #retry: RetryPolicy | undefined;
  readonly #mirrors: Endpoint[];
  readonly #mirrorOf: string;
  readonly #log: Logger;

  constructor(http: HttpClient, options: RegistryClientOptions = {}) {
    this.#http = http;
    this.#auth = new RegistryAuth(http);
    this.#retry = options.retry;
    this.#mirrorOf = (options.mirrorOf ?? DEFAULT_HOST).toLowerCase();
    this.#log = options.log ?? silentLogger;
    this.#mirrors = (options.mirrors ?? []).map((url) => {
      const base = url.replace(/\/+$/, '');
      return { base, insecure: base.startsWith('http:'), label: `mirror ${base}`, mirror: true };
    });
  }

  /** `https://host` (or `http://host` when insecure). */
  origin(target: RegistryTarget): string {
    return `${target.insecure ? 'http' : 'https'}://${target.name.host}`;
  }

  /** URL of a path under the model's repository: `/v2/<namespace>/<model>/<rest>`. */
  repoUrl(target: RegistryTarget, rest: string): URL {
    return this.#repoUrl(this.#origin(target), target, rest);
  }

  #repoUrl(endpoint: Endpoint, target: RegistryTarget, rest: string): URL {
    const { namespace, model } = target.name;
    return new URL(`${endpoint.base}/v2/${namespace}/${model}/${rest}`);
  }

  #origin(target: RegistryTarget): Endpoint {
    const { host } = target.name;
    return { base: this.origin(target), insecure: target.insecure, label: host, mirror: false };
  }

  /** Where a pull reads `target` from, in order: its mirrors (default registry only), then the registry. */
  #endpoints(target: RegistryTarget): Endpoint[] {
    const mirrored = target.name.host.toLowerCase() === this.#mirrorOf;
    return [...(mirrored ? this.#mirrors : []), this.#origin(target)];
  }

  /**
   * Send a request to the registry, answering one auth challenge. `actions` is the scope asked for (`pull` or
   * `push,pull`). Requests to other origins (blob storage after a redirect) carry no token.
   */
  async send(
    target: RegistryTarget,
    url: URL,
    init: HttpRequestInit & { actions?: string } = {},
  ): Promise<HttpResponse> {
    return this.#send(this.#origin(target), target, url, init);
  }

  async #send(
    endpoint: Endpoint,
    target: RegistryTarget,
    url: URL,
    init: HttpRequestInit & { actions?: string },
  ): Promise<HttpResponse> {
    const { origin } = new URL(endpoint.base);
    const scope = `repository:${target.name.namespace}/${target.name.model}:${init.actions ?? 'pull'}`;
    const withToken = (token: string | undefined): HttpRequestInit => ({
      ...init,
      headers:
        url.origin === origin && token ? { ...init.headers, authorization: `Bearer ${token}` } : init.headers,
    });
    const res = await this.#http.request(url, withToken(this.#auth.token(origin, scope)));
    if (res.status !== 401 || url.origin !== origin) return res;
    res.body.resume();
    const header = res.headers['www-authenticate'];
    const token = await this.#auth.authorize(origin, scope, header, endpoint.insecure, init.signal);
    const body = init.body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      // A streamed body was consumed by the refused attempt: the caller starts over, now with the token.
      throw new RetryableError(`registry ${origin} asked for a token; retrying`, 'REGISTRY_ERROR');
    }
    return this.#http.request(url, withToken(token));
  }

  /**
   * Fetch and validate a manifest, from the first source that has it. Throws `MODEL_NOT_FOUND` (naming the model)
   * when the registry has none; with mirrors, a failure names every source tried.
   */
  async manifest(target: RegistryTarget, signal?: AbortSignal): Promise<RemoteManifest> {
    const endpoints = this.#endpoints(target);
    const policy = this.#retry ?? METADATA_RETRY;
    const failures: SourceFailure[] = [];
    for (const [i, endpoint] of endpoints.entries()) {
      const last = i === endpoints.length - 1;
      try {
        const found = await this.#manifestFrom(
          endpoint,
          target,
          last ? policy : fallbackPolicy(policy),
          signal,
        );
        if (endpoint.mirror) {
          this.#log.info({ model: target.name.toString(), source: endpoint.base }, 'manifest from mirror');
        }
        return found;
      } catch (err) {
        if (signal?.aborted || !isSourceFailure(err)) throw err;
        failures.push({ source: endpoint.label, err });
        if (last && failures.length === 1) throw err;
        if (last) throw allSourcesFailed(`pulling manifest of ${target.name.display}`, failures);
        const model = target.name.toString();
        this.#log.warn(
          { model, source: endpoint.base, err: String(err) },
          'manifest source failed, trying the next',
        );
      }
    }
    throw new Error('unreachable: a registry has at least one endpoint');
  }

  async #manifestFrom(
    endpoint: Endpoint,
    target: RegistryTarget,
    policy: RetryPolicy,
    signal: AbortSignal | undefined,
  ): Promise<RemoteManifest> {
    const { name } = target;
    const url = this.#repoUrl(endpoint, target, `manifests/${name.tag}`);
    const from = endpoint.label;
    return withRetry(
      `pulling manifest of ${name.display} from ${from}`,
      async () => {
        const init = { headers: { accept: MANIFEST_MEDIA_TYPE }, signal };
        const res = await this.#send(endpoint, target, url, init);
        if (res.status === 404) {
          res.body.resume();
          throw new AppError('MODEL_NOT_FOUND', `model "${name.display}" not found in registry ${from}`, {
            details: { model: name.toString() },
          });
        }
        if (res.status !== 200) throw await statusError(res, `pulling manifest of ${name.display}`);
        const bytes = new TextEncoder().encode(await readText(res, MAX_MANIFEST));
        try {
          return { manifest: parseManifest(bytes, `${name.display} from ${from}`), bytes };
        } catch (err) {
          throw new AppError(
            'REGISTRY_ERROR',
            `registry ${from} sent an invalid manifest for ${name.display}`,
            {
              cause: err,
            },
          );
        }
      },
      { policy, signal },
    );
  }

  /**
   * Where the bytes of a blob come from, in the order to try them: its mirrors (default registry only), then the
   * registry (each following its redirect to blob storage).
   */
  blobSources(target: RegistryTarget, digest: string): RangeSource[] {
    const what = `blob ${digest.slice(7, 19)} of ${target.name.display}`;
    return this.#endpoints(target).map(
      (endpoint) =>
        new HttpRangeSource(
          this.#repoUrl(endpoint, target, `blobs/${digest}`),
          (url, init) => this.#send(endpoint, target, url, init),
          endpoint.mirror ? `${what} from ${endpoint.label}` : what,
        ),
    );
  }
}
