/**
 * Pushes a model to a registry that accepts pushes (`POST /api/push`, `corral push`), with Ollama's progress
 * lines: `retrieving manifest`, `pushing <digest12>` per blob (config included), `pushing manifest`, `success`.
 * Concurrent pushes of one blob to one registry share a single upload.
 */
import { AppError, type Logger, MANIFEST_MEDIA_TYPE, silentLogger } from '../../core/index.js';
import type { RegistryTarget } from '../pull/index.js';
import type { ModelStore } from '../model-store.js';
import {
  HttpClient,
  parseTarget,
  type PullProgress,
  RegistryClient,
  type RetryPolicy,
  statusError,
  untilAborted,
  withRetry,
} from '../pull/index.js';
import { uploadBlob } from './upload-blob.js';

/** Options of {@link ModelPusher}. */
export interface ModelPusherOptions {
  store: ModelStore;
  log?: Logger;
  retry?: RetryPolicy;
}

/** How one caller pushes. */
export interface PushOptions {
  insecure?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

interface Upload {
  done: Promise<void>;
  sent: number;
}

/** The pusher. */
export class ModelPusher {
  readonly #store: ModelStore;
  readonly #log: Logger;
  readonly #retry: RetryPolicy | undefined;
  readonly #http = new HttpClient();
  readonly #registry: RegistryClient;
  readonly #uploads = new Map<string, Upload>();

  constructor(options: ModelPusherOptions) {
    this.#store = options.store;
    this.#log = options.log ?? silentLogger;
    this.#retry = options.retry;
    this.#registry = new RegistryClient(this.#http, { retry: options.retry });
  }

  /** Push the local model `model` to the registry its name points at. */
  async push(model: string, options: PushOptions = {}): Promise<void> {
    const emit = options.onProgress ?? (() => undefined);
    const { name, insecure } = parseTarget(model, options.insecure ?? false);
    const target = { name, insecure };
    emit({ status: 'retrieving manifest' });
    const stored = await this.#store.get(name);
    if (stored === undefined) {
      throw new AppError('MODEL_NOT_FOUND', `model "${name.display}" not found`, {
        details: { model: name.toString() },
      });
    }
    const blobs = new Map<string, number>();
    for (const { digest, size } of [...stored.manifest.layers, stored.manifest.config])
      blobs.set(digest, size);
    for (const [digest, size] of blobs) {
      const status = `pushing ${digest.slice(7, 19)}`;
      const key = `${this.#registry.origin(target)} ${digest}`;
      let upload = this.#uploads.get(key);
      if (upload === undefined) {
        const u: Upload = { sent: 0, done: Promise.resolve() };
        u.done = uploadBlob(
          this.#registry,
          { target, digest, size, path: this.#store.blobPath(digest) },
          {
            retry: this.#retry,
            onSent: (bytes) => (u.sent = bytes),
          },
        ).finally(() => this.#uploads.delete(key));
        u.done.catch(() => undefined); // every pusher waiting on it receives the failure
        this.#uploads.set(key, (upload = u));
      }
      const shared = upload;
      const timer = setInterval(() => emit({ status, digest, total: size, completed: shared.sent }), 100);
      try {
        emit({ status, digest, total: size, completed: shared.sent });
        await untilAborted(shared.done, options.signal);
      } finally {
        clearInterval(timer);
      }
      emit({ status, digest, total: size, completed: size });
    }
    emit({ status: 'pushing manifest' });
    await this.#putManifest(target, JSON.stringify(stored.manifest), options.signal);
    this.#log.info({ model: name.toString(), blobs: blobs.size }, 'push complete');
    emit({ status: 'success' });
  }

  /** Wait for running uploads and close connections. Idempotent. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#uploads.values()].map((u) => u.done));
    this.#http.close();
  }

  async #putManifest(target: RegistryTarget, body: string, signal?: AbortSignal): Promise<void> {
    const url = this.#registry.repoUrl(target, `manifests/${target.name.tag}`);
    await withRetry(
      `pushing manifest of ${target.name.display}`,
      async () => {
        const res = await this.#registry.send(target, url, {
          method: 'PUT',
          actions: 'push,pull',
          headers: { 'content-type': MANIFEST_MEDIA_TYPE },
          body,
          signal,
        });
        if (res.status !== 201 && res.status !== 200)
          throw await statusError(res, `pushing manifest of ${target.name.display}`);
        res.body.resume();
      },
      { policy: this.#retry, signal },
    );
  }
}
