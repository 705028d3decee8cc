/**
 * The model store facade the HTTP layer calls. Layout under `root` (`CORRAL_MODELS`), as Ollama's:
 * `blobs/sha256-<hex>` and `manifests/<host>/<namespace>/<model>/<tag>`.
 *
 * Crash consistency: every file is written atomically (temp + fsync + rename + fsync dir); blobs are written
 * before the manifest that names them, and a manifest is removed before its blobs. Concurrency: operations on
 * one name are serialised by a keyed mutex; blob sweeps (delete, gc) take the exclusive side of a
 * readers–writer lock whose shared side is held by everything about to reference blobs (create, copy, import,
 * pull leases), so a sweep never removes a blob a manifest is about to name. One process owns a store: opening
 * it removes temp files left by a previous (crashed) process.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AppError,
  type Logger,
  type Manifest,
  manifestDigests,
  type ModelName,
  parseModelName,
  silentLogger,
} from '../core/index.js';
import { BlobStore, type PutResult } from './blob-store.js';
import { type CreateOptions, createModel } from './create-model.js';
import { uploadRoot } from './create-uploaded-folder.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ManifestStore, type StoredManifest } from './manifest-store.js';
import { RwLock } from './rw-lock.js';
import { type ShowResult, showModel } from './show-model.js';
import { loadStoredModel, loadSummary, type ModelSummary, type StoredModel } from './stored-model.js';
import { removeFiles, sweepBlobs, type SweepResult } from './sweep.js';
import { WriteLease } from './write-lease.js';

/** What `delete` freed. */
export interface DeleteResult extends SweepResult {
  name: ModelName;
}

/** What `gc` removed. */
export interface GcResult extends SweepResult {
  removedTempFiles: string[];
}

/** Options of {@link ModelStore.open}. */
export interface ModelStoreOptions {
  logger?: Logger;
}

/** A model name as accepted by the store: text (parsed with `parseModelName`) or an already parsed name. */
export type NameInput = string | ModelName;

/** The content-addressed model store. */
export class ModelStore {
  /** The store's root directory. */
  readonly root: string;
  readonly #blobs: BlobStore;
  readonly #manifests: ManifestStore;
  readonly #names = new KeyedMutex();
  readonly #refs = new RwLock();
  readonly #log: Logger;
  #closed = false;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #listeners = new Set<() => Promise<void> | void>();

  private constructor(root: string, log: Logger) {
    this.root = root;
    this.#log = log;
    this.#blobs = new BlobStore(join(root, 'blobs'));
    this.#manifests = new ManifestStore(join(root, 'manifests'), log);
  }

  /**
   * Calls `listener` after a model is written (pull, create, copy) or deleted, e.g. so that a cluster node
   * reports it at once; the write or delete completes when the listeners' promises do (they must not reject).
   * Returns the function that stops the calls.
   */
  onChange(listener: () => Promise<void> | void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #changed(): Promise<void> {
    await Promise.all([...this.#listeners].map(async (listener) => listener()));
  }

  /** Open (creating if needed) the store at `root` and remove temp files left by a crashed process. */
  static async open(root: string, options: ModelStoreOptions = {}): Promise<ModelStore> {
    const store = new ModelStore(root, options.logger ?? silentLogger);
    await store.#blobs.init();
    await store.#manifests.init();
    const stale = [...(await store.#blobs.staleTempFiles()), ...(await store.#manifests.tempFiles())];
    await removeFiles(stale);
    if (stale.length > 0) store.#log.info({ root, files: stale.length }, 'removed stale temp files');
    // Upload folders hold only links to blobs; any left by a crash mid-conversion are garbage.
    await rm(uploadRoot(store.#blobs), { recursive: true, force: true });
    return store;
  }

  /** Every model, newest first. Models whose manifest or config is unreadable are logged and left out. */
  async list(): Promise<ModelSummary[]> {
    return this.#track(async () => {
      const out: ModelSummary[] = [];
      for (const stored of await this.#manifests.list()) {
        try {
          const { config: _config, ...summary } = await loadSummary(this.#blobs, stored);
          out.push(summary);
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'STORE_CORRUPT')) throw err;
          this.#log.warn({ model: stored.name.toString(), err: err.message }, 'skipping unreadable model');
        }
      }
      // Newest first, as Ollama lists them.
      return out.sort(
        (a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.name.key.localeCompare(b.name.key),
      );
    });
  }

  /** A model, or `undefined` when there is none of that name. Throws `STORE_CORRUPT` when it is unreadable. */
  async get(name: NameInput): Promise<StoredModel | undefined> {
    const parsed = toName(name);
    return this.#track(async () => {
      const stored = await this.#manifests.read(parsed);
      return stored === undefined ? undefined : loadStoredModel(this.#blobs, stored);
    });
  }

  /** Everything `/api/show` needs. Throws `MODEL_NOT_FOUND`. */
  async show(name: NameInput, options: { verbose?: boolean } = {}): Promise<ShowResult> {
    return showModel(await this.#require(name), options);
  }

  /** For a blob linked in place (`--link`): fail with `STORE_CORRUPT` when its file changed. */
  verifyLink(digest: string): Promise<void> {
    return this.#blobs.verifyLink(digest);
  }

  /** Create or replace `name` from Modelfile text (see `create-model.ts`). */
  async create(name: NameInput, modelfileText: string, options: CreateOptions): Promise<void> {
    const parsed = toName(name);
    await this.#track(() =>
      this.#names.run(parsed.key, () =>
        createModel(
          {
            baseDir: options.baseDir,
            allowFiles: options.allowFiles ?? true,
            blobs: this.#blobs,
            manifests: this.#manifests,
            getModel: (n) => this.get(n),
            withWriteLock: (fn) => this.#refs.shared(fn),
          },
          parsed,
          modelfileText,
          options,
        ),
      ),
    );
  }

  /** Copy `src` to `dst` (the manifest bytes are copied, so both have the same digest). Throws `MODEL_NOT_FOUND`. */
  async copy(src: NameInput, dst: NameInput): Promise<void> {
    const from = toName(src);
    const to = toName(dst);
    await this.#track(() =>
      this.#names.run(to.key, () =>
        this.#refs.shared(async () => {
          const stored = await this.#manifests.read(from);
          if (stored === undefined) throw notFound(from);
          await this.#writeManifestChecked(to, stored.manifest, stored.bytes);
        }),
      ),
    );
  }

  /** Delete a model: its manifest first, then every blob of it no other manifest references. */
  async delete(name: NameInput): Promise<DeleteResult> {
    const parsed = toName(name);
    return this.#track(() =>
      this.#names.run(parsed.key, async () => {
        let stored: StoredManifest | undefined;
        let corrupt = false;
        try {
          stored = await this.#manifests.read(parsed);
        } catch (err) {
          // A corrupt manifest can still be deleted; its blobs are left to gc (what it references is unknown).
          if (!(err instanceof AppError && err.code === 'STORE_CORRUPT')) throw err;
          corrupt = true;
        }
        if (stored === undefined && !corrupt) throw notFound(parsed);
        if (!(await this.#manifests.remove(stored?.name ?? parsed))) throw notFound(parsed);
        const candidates = stored === undefined ? [] : manifestDigests(stored.manifest);
        const swept = await this.#refs.exclusive(() => sweepBlobs(this.#blobs, this.#manifests, candidates));
        this.#log.info(
          { model: parsed.toString(), blobs: swept.removedBlobs.length, bytes: swept.freedBytes },
          'model deleted',
        );
        await this.#changed();
        return { name: stored?.name ?? parsed, ...swept };
      }),
    );
  }

  /** Remove unreferenced blobs and stale temp files. */
  async gc(): Promise<GcResult> {
    return this.#track(() =>
      this.#refs.exclusive(async () => {
        const temps = [...(await this.#blobs.staleTempFiles()), ...(await this.#manifests.tempFiles())];
        await removeFiles(temps);
        const swept = await sweepBlobs(this.#blobs, this.#manifests, await this.#blobs.list());
        this.#log.info(
          { blobs: swept.removedBlobs.length, bytes: swept.freedBytes, temps: temps.length },
          'store gc',
        );
        return { ...swept, removedTempFiles: temps };
      }),
    );
  }

  /** Path of a blob (for the runner: the GGUF of a model layer). Throws `INVALID_DIGEST`; does not check existence. */
  blobPath(digest: string): string {
    return this.#blobs.path(digest);
  }

  /** True when the blob exists (`HEAD /api/blobs/:digest`). */
  async hasBlob(digest: string): Promise<boolean> {
    return this.#blobs.has(digest);
  }

  /** Store an uploaded blob (`POST /api/blobs/:digest`); `DIGEST_MISMATCH` when the bytes do not match. */
  async importBlob(
    stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    digest: string,
  ): Promise<PutResult> {
    this.#blobs.path(digest); // validate before taking locks or reading the body
    return this.#track(() => this.#refs.shared(() => this.#blobs.putStream(stream, digest)));
  }

  /**
   * Start a multi-step write (a pull: several blobs, then a manifest). Until `release()`, no sweep can remove
   * the blobs it stores or relies on. Do not call other store write methods while holding a lease.
   */
  async beginWrite(): Promise<WriteLease> {
    this.#assertOpen();
    const release = await this.#refs.acquireShared();
    // No name lock here: the lease already holds the shared lock, and names are always locked before it.
    return new WriteLease(
      this.#blobs,
      (name, manifest, bytes) => this.#writeManifestChecked(name, manifest, bytes),
      release,
    );
  }

  /** Wait for running operations and refuse new ones. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Callers hold the shared lock: blobs seen here cannot be swept before the manifest is written.
  async #writeManifestChecked(name: ModelName, manifest: Manifest, bytes?: Uint8Array): Promise<void> {
    for (const digest of manifestDigests(manifest)) {
      if (!(await this.#blobs.has(digest))) {
        throw new AppError('BLOB_NOT_FOUND', `cannot write ${name.display}: blob ${digest} is missing`, {
          details: { digest },
        });
      }
    }
    await this.#manifests.write(name, bytes ?? manifest);
    await this.#changed();
  }

  async #require(name: NameInput): Promise<StoredModel> {
    const model = await this.get(name);
    if (model === undefined) throw notFound(toName(name));
    return model;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('INTERNAL', 'model store is closed');
  }

  async #track<T>(fn: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    const p = fn();
    this.#inFlight.add(p);
    try {
      return await p;
    } finally {
      this.#inFlight.delete(p);
    }
  }
}

function toName(name: NameInput): ModelName {
  return typeof name === 'string' ? parseModelName(name) : name;
}

function notFound(name: ModelName): AppError {
  return new AppError('MODEL_NOT_FOUND', `model "${name.display}" not found`, {
    details: { model: name.toString() },
  });
}
