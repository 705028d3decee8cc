/**
 * Upload one blob to a registry (OCI distribution "monolithic upload", as Ollama's `upload.go` ends it): skip it
 * when `HEAD /v2/<ns>/<model>/blobs/<digest>` says the registry has it; otherwise `POST …/blobs/uploads/` for an
 * upload location and `PUT <location>?digest=<digest>` with the bytes. The registry checks the digest. Transient
 * failures restart the upload from the beginning, with backoff.
 */
import { createReadStream } from 'node:fs';
import { AppError } from '../../core/index.js';
import {
  type RegistryClient,
  type RegistryTarget,
  RetryableError,
  type RetryPolicy,
  statusError,
  withRetry,
} from '../pull/index.js';

/** What to upload. */
export interface UploadRequest {
  target: RegistryTarget;
  digest: string;
  size: number;
  /** The blob file in the store. */
  path: string;
}

/** Upload a blob unless the registry has it; `onSent(bytes)` reports bytes sent of the current attempt. */
export async function uploadBlob(
  registry: RegistryClient,
  req: UploadRequest,
  options: { signal?: AbortSignal; retry?: RetryPolicy; onSent: (bytes: number) => void },
): Promise<void> {
  const { target, digest, size } = req;
  const { signal } = options;
  const what = `pushing blob ${digest.slice(7, 19)} of ${target.name.display}`;
  await withRetry(
    what,
    async () => {
      options.onSent(0);
      const head = await registry.send(target, registry.repoUrl(target, `blobs/${digest}`), {
        method: 'HEAD',
        actions: 'push,pull',
        signal,
      });
      head.body.resume();
      if (head.status === 200) return options.onSent(size);
      if (head.status !== 404) throw await statusError(head, what);
      const start = await registry.send(target, registry.repoUrl(target, 'blobs/uploads/'), {
        method: 'POST',
        actions: 'push,pull',
        headers: { 'content-length': '0' },
        signal,
      });
      start.body.resume();
      const location = start.headers.location;
      if (start.status !== 202 || location === undefined)
        throw await statusError(start, `${what}: starting the upload`);
      const url = new URL(location, start.url);
      url.searchParams.set('digest', digest);
      let sent = 0;
      const body = createReadStream(req.path, { highWaterMark: 1024 * 1024 });
      body.on('data', (chunk) => options.onSent((sent += chunk.length)));
      const put = await registry.send(target, url, {
        method: 'PUT',
        actions: 'push,pull',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body,
        signal,
      });
      if (put.status === 201 || put.status === 204) return put.body.resume();
      if (put.status === 400) {
        throw new AppError('DIGEST_MISMATCH', `${what}: the registry rejected the blob (${put.status})`);
      }
      throw await statusError(put, what);
    },
    { policy: options.retry, signal },
  ).catch((err: unknown) => {
    throw err instanceof RetryableError ? new AppError(err.code, err.message, { cause: err }) : err;
  });
}
