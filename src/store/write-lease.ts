/**
 * A multi-step store write (a pull: blobs, then the manifest) holding the store's shared lock, so no delete
 * or gc sweep removes the blobs it stores or relies on before its manifest is written. Release it when done;
 * `using`/`await using` does that automatically.
 */
import type { Manifest, ModelName } from '../core/index.js';
import type { BlobStore, PutOptions, PutResult } from './blob-store.js';

/** Returned by `ModelStore.beginWrite()`. */
export class WriteLease {
  readonly #blobs: BlobStore;
  readonly #writeManifest: (name: ModelName, manifest: Manifest, bytes?: Uint8Array) => Promise<void>;
  readonly #release: () => void;
  #released = false;

  constructor(
    blobs: BlobStore,
    writeManifest: (name: ModelName, manifest: Manifest, bytes?: Uint8Array) => Promise<void>,
    release: () => void,
  ) {
    this.#blobs = blobs;
    this.#writeManifest = writeManifest;
    this.#release = release;
  }

  /** True when the blob exists. */
  hasBlob(digest: string): Promise<boolean> {
    this.#check();
    return this.#blobs.has(digest);
  }

  /** Size of a stored blob, `undefined` when absent (to resume or skip a download). */
  blobSize(digest: string): Promise<number | undefined> {
    this.#check();
    return this.#blobs.size(digest);
  }

  /** Store a stream that must hash to `digest` (`DIGEST_MISMATCH` otherwise; nothing is left behind). */
  putStream(
    stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    digest: string,
    options?: PutOptions,
  ): Promise<PutResult> {
    this.#check();
    return this.#blobs.putStream(stream, digest, options);
  }

  /** Store in-memory bytes (e.g. a config blob). */
  putBytes(data: Uint8Array | string): Promise<PutResult> {
    this.#check();
    return this.#blobs.putBytes(data);
  }

  /**
   * Write the manifest last; fails with `BLOB_NOT_FOUND` when any blob it names is missing. `bytes`, when given,
   * are stored as they are (a pulled manifest keeps the registry's bytes, hence its digest).
   */
  writeManifest(name: ModelName, manifest: Manifest, bytes?: Uint8Array): Promise<void> {
    this.#check();
    return this.#writeManifest(name, manifest, bytes);
  }

  /** Release the lock. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#release();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  #check(): void {
    if (this.#released) throw new Error('write lease used after release');
  }
}
