/**
 * Hugging Face GGUF repositories as model sources: `hf.co/<user>/<repo>[:<quant>]` is resolved through the Hub
 * API (`GET {endpoint}/api/models/<user>/<repo>?blobs=true`, whose `siblings` list every file with its size and,
 * for LFS files, the sha256 that lets the download be verified), the file matching the quantization tag is
 * picked (default: Q4_K_M, else the next usual choice), and its bytes come from
 * `{endpoint}/<user>/<repo>/resolve/main/<file>`, which redirects to a CDN. The token (`HF_TOKEN`) is only sent
 * to the endpoint's own origin.
 */
import { z } from 'zod';
import { AppError, DEFAULT_TAG, type ModelName } from '../../core/index.js';
import { normalizeDigest } from '../../lib/index.js';
import { type HttpClient, type HttpRequestInit, readText } from './http-client.js';
import { HttpRangeSource } from './http-range-source.js';
import { pickGgufFile } from './pick-gguf-file.js';
import type { RangeSource } from './range-source.js';
import { METADATA_RETRY, type RetryPolicy, withRetry } from './retry.js';
import { statusError } from './status-error.js';

/** Model-name hosts that mean Hugging Face. */
export const HF_HOSTS: ReadonlySet<string> = new Set(['hf.co', 'huggingface.co']);

/** True when `name` names a Hugging Face repository (`hf.co/<user>/<repo>`). */
export function isHuggingFaceName(name: ModelName): boolean {
  return HF_HOSTS.has(name.host.toLowerCase());
}

/** The GGUF file a name resolved to. */
export interface HfFile {
  /** `<user>/<repo>`. */
  repo: string;
  /** Path of the file in the repository. */
  file: string;
  digest: string;
  size: number;
  url: URL;
}

const modelInfoSchema = z.object({
  siblings: z.array(
    z.looseObject({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      lfs: z.looseObject({ sha256: z.string(), size: z.number().int().nonnegative() }).nullish(),
    }),
  ),
});

/** Client of the Hugging Face Hub API. */
export class HuggingFaceClient {
  readonly #http: HttpClient;
  readonly #endpoint: URL;
  readonly #token: string | undefined;
  readonly #retry: RetryPolicy | undefined;

  constructor(http: HttpClient, options: { endpoint: string; token?: string; retry?: RetryPolicy }) {
    this.#http = http;
    this.#endpoint = new URL(options.endpoint.replace(/\/*$/, '/'));
    this.#token = options.token === '' ? undefined : options.token;
    this.#retry = options.retry;
  }

  /** Resolve a name to the GGUF file to download. */
  async resolve(name: ModelName, signal?: AbortSignal): Promise<HfFile> {
    const repo = `${name.namespace}/${name.model}`;
    const url = new URL(`api/models/${repo}?blobs=true`, this.#endpoint);
    const info = await withRetry(
      `listing Hugging Face repository ${repo}`,
      async () => {
        const res = await this.#send(url, { signal });
        if (res.status === 404) {
          res.body.resume();
          throw new AppError('MODEL_NOT_FOUND', `Hugging Face repository ${repo} not found`, {
            details: { model: name.toString() },
          });
        }
        if (res.status === 401 || res.status === 403) {
          const err = await statusError(
            res,
            `Hugging Face repository ${repo} is gated or private; set HF_TOKEN`,
          );
          throw err;
        }
        if (res.status !== 200) throw await statusError(res, `listing Hugging Face repository ${repo}`);
        return modelInfoSchema.parse(JSON.parse(await readText(res, 16 * 1024 * 1024)));
      },
      { policy: this.#retry ?? METADATA_RETRY, signal },
    );
    const files = info.siblings.map((s) => ({
      name: s.rfilename,
      size: s.lfs?.size ?? s.size,
      sha256: s.lfs?.sha256,
    }));
    const tag = name.tag === DEFAULT_TAG ? undefined : name.tag;
    const picked = pickGgufFile(files, tag, repo);
    const digest = picked.sha256 === undefined ? undefined : normalizeDigest(`sha256:${picked.sha256}`);
    if (digest === undefined || picked.size === undefined) {
      throw new AppError(
        'REGISTRY_ERROR',
        `${repo}/${picked.name} has no sha256 on Hugging Face, so it cannot be verified`,
      );
    }
    const path = picked.name.split('/').map(encodeURIComponent).join('/');
    return {
      repo,
      file: picked.name,
      digest,
      size: picked.size,
      url: new URL(`${repo}/resolve/main/${path}`, this.#endpoint),
    };
  }

  /** Where the file's bytes come from. */
  source(file: HfFile): RangeSource {
    return new HttpRangeSource(file.url, (url, init) => this.#send(url, init), `${file.repo}/${file.file}`);
  }

  #send(url: URL, init: HttpRequestInit = {}) {
    const auth = this.#token !== undefined && url.origin === this.#endpoint.origin;
    const headers = init.headers ?? {};
    return this.#http.request(url, {
      ...init,
      headers: auth ? { ...headers, authorization: `Bearer ${this.#token}` } : headers,
    });
  }
}
