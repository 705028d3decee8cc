/**
 * The registry protocol Ollama speaks (OCI distribution v2, `server/images.go`): `GET /v2/<ns>/<model>/manifests/<tag>`,
 * `GET /v2/<ns>/<model>/blobs/<digest>` (often a redirect to blob storage), and for pushes `HEAD` blobs, uploads
 * and `PUT` manifests. Requests go to `https://<host>` (plain `http://` only when the caller says `insecure`),
 * carry a bearer token once a 401 challenge asked for one, and fail with typed errors: `REGISTRY_UNAUTHORIZED`
 * for 401/403, `MODEL_NOT_FOUND` for a missing manifest, `REGISTRY_ERROR` for other answers.
 */
import {
  AppError,
  type Manifest,
  MANIFEST_MEDIA_TYPE,
  type ModelName,
  parseManifest,
} from '../../core/index.js';
import { type HttpClient, type HttpRequestInit, type HttpResponse, readText } from './http-client.js';
import { HttpRangeSource } from './http-range-source.js';
import type { RangeSource } from './range-source.js';
import { RegistryAuth } from './registry-auth.js';
import { METADATA_RETRY, RetryableError, type RetryPolicy, withRetry } from './retry.js';
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

const MAX_MANIFEST = 4 * 1024 * 1024;

/** Client of Ollama-style registries. */
export class RegistryClient {
  readonly #http: HttpClient;
  readonly #auth: RegistryAuth;
  readonly #retry: RetryPolicy | undefined;

  constructor(http: HttpClient, options: { retry?: RetryPolicy } = {}) {
    this.#http = http;
    this.#auth = new RegistryAuth(http);
    this.#retry = options.retry;
  }

  /** `https://host` (or `http://host` when insecure). */
  origin(target: RegistryTarget): string {
    return `${target.insecure ? 'http' : 'https'}://${target.name.host}`;
  }

  /** URL of a path under the model's repository: `/v2/<namespace>/<model>/<rest>`. */
  repoUrl(target: RegistryTarget, rest: string): URL {
    const { namespace, model } = target.name;
    return new URL(`/v2/${namespace}/${model}/${rest}`, this.origin(target));
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
    const origin = this.origin(target);
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
    const token = await this.#auth.authorize(origin, scope, header, target.insecure, init.signal);
    const body = init.body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      // A streamed body was consumed by the refused attempt: the caller starts over, now with the token.
      throw new RetryableError(`registry ${origin} asked for a token; retrying`, 'REGISTRY_ERROR');
    }
    return this.#http.request(url, withToken(token));
  }

  /** Fetch and validate a manifest. Throws `MODEL_NOT_FOUND` (naming the model) when the registry has none. */
  async manifest(target: RegistryTarget, signal?: AbortSignal): Promise<RemoteManifest> {
    const { name } = target;
    const url = this.repoUrl(target, `manifests/${name.tag}`);
    return withRetry(
      `pulling manifest of ${name.display} from ${name.host}`,
      async () => {
        const res = await this.send(target, url, { headers: { accept: MANIFEST_MEDIA_TYPE }, signal });
        if (res.status === 404) {
          res.body.resume();
          throw new AppError(
            'MODEL_NOT_FOUND',
            `model "${name.display}" not found in registry ${name.host}`,
            {
              details: { model: name.toString() },
            },
          );
        }
        if (res.status !== 200) throw await statusError(res, `pulling manifest of ${name.display}`);
        const bytes = new TextEncoder().encode(await readText(res, MAX_MANIFEST));
        try {
          return { manifest: parseManifest(bytes, `${name.display} from ${name.host}`), bytes };
        } catch (err) {
          throw new AppError(
            'REGISTRY_ERROR',
            `registry ${name.host} sent an invalid manifest for ${name.display}`,
            {
              cause: err,
            },
          );
        }
      },
      { policy: this.#retry ?? METADATA_RETRY, signal },
    );
  }

  /** Where the bytes of a blob come from (following the registry's redirect to blob storage). */
  blobSource(target: RegistryTarget, digest: string): RangeSource {
    return new HttpRangeSource(
      this.repoUrl(target, `blobs/${digest}`),
      (url, init) => this.send(target, url, init),
      `blob ${digest.slice(7, 19)} of ${target.name.display}`,
    );
  }
}
