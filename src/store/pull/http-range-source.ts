/**
 * A {@link RangeSource} over HTTP `Range` requests. The first answer's URL (after redirects to blob storage) is
 * remembered and later parts go straight there, as Ollama resolves its "direct URL" once; when that link stops
 * working (signed URLs expire: 401/403/404/410) the next attempt starts from the original URL again. Bodies are
 * read by `fetchPart`, which detects stalls itself, so the HTTP client's idle timer stops at the headers.
 */
import { AppError } from '../../core/index.js';
import type { HttpRequestInit, HttpResponse } from './http-client.js';
import type { RangeBody, RangeSource } from './range-source.js';
import { RetryableError } from './retry.js';
import { statusError } from './status-error.js';

/** Sends a request (adding credentials for the origin that wants them). */
export type SendRequest = (url: URL, init: HttpRequestInit) => Promise<HttpResponse>;

/** Ranged reads of the blob at `url`. */
export class HttpRangeSource implements RangeSource {
  readonly description: string;
  readonly origin: string;
  readonly #url: URL;
  readonly #send: SendRequest;
  #direct: URL | undefined;

  constructor(url: URL, send: SendRequest, description: string) {
    this.#url = url;
    this.#send = send;
    this.description = description;
    this.origin = url.origin;
  }

  async open(start: number, end: number, signal: AbortSignal): Promise<RangeBody> {
    const direct = this.#direct;
    const res = await this.#send(direct ?? this.#url, {
      headers: { range: `bytes=${start}-${end - 1}` },
      signal,
      bodyTimeout: false,
    });
    if (direct !== undefined && [401, 403, 404, 410].includes(res.status)) {
      res.body.resume();
      this.#direct = undefined;
      throw new RetryableError(
        `storage link for ${this.description} answered ${res.status}`,
        'REGISTRY_ERROR',
      );
    }
    if (res.status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== start) {
        res.body.destroy();
        throw new AppError(
          'REGISTRY_ERROR',
          `${this.description}: unusable Content-Range from ${res.url.host}`,
        );
      }
      if (res.url.href !== this.#url.href) this.#direct = res.url;
      return { body: res.body, start, total: range[3] === '*' ? undefined : Number(range[3]) };
    }
    if (res.status === 200) {
      const length = res.headers['content-length'];
      return { body: res.body, start: 0, total: length === undefined ? undefined : Number(length) };
    }
    if (res.status === 404) {
      res.body.resume();
      throw new AppError('REGISTRY_ERROR', `${this.description}: ${res.url.host} has no such blob (404)`);
    }
    throw await statusError(res, this.description);
  }
}
