/**
 * The part of a pull both flows share: check the disk, then fetch each missing blob in manifest order (each
 * with parallel parts), reporting `pulling <digest12>` progress as Ollama does; then write the manifest under a
 * store lease. The lease is held only for that last step, so a long download never blocks `rm` or gc; if a
 * sweep removed a blob between its download and the manifest write, the missing blobs are fetched once more.
 */
import { isAppError, type Manifest, type ModelName } from '../../core/index.js';
import type { WriteLease } from '../write-lease.js';
import { ensureDiskSpace } from './disk-space.js';
import type { LayerRef, PullContext, PullJob } from './pull-job.js';
import type { RangeSource } from './range-source.js';

/** Where a blob's bytes come from, in the order to try them. */
export type SourceFor = (digest: string) => RangeSource[];

/** Make sure every layer is in the store, downloading the missing ones. */
export async function fetchLayers(
  ctx: PullContext,
  job: PullJob,
  layers: LayerRef[],
  sourceFor: SourceFor,
): Promise<void> {
  let needed = 0;
  const missing = new Set<string>();
  for (const layer of layers) {
    if (await ctx.store.hasBlob(layer.digest)) continue;
    missing.add(layer.digest);
    needed +=
      layer.size - (ctx.downloads.progress(layer.digest) ?? (await ctx.partials.completed(layer.digest)));
  }
  await ensureDiskSpace(ctx.freeBytes, ctx.store.root, needed, job.name.display);
  for (const { digest, size } of layers) {
    const status = `pulling ${digest.slice(7, 19)}`;
    if (!missing.has(digest)) {
      job.emit({ status, digest, total: size, completed: size });
      continue;
    }
    await ctx.downloads.fetch(
      { digest, size, sources: sourceFor(digest) },
      {
        signal: job.signal,
        onProgress: (completed, total) => job.emit({ status, digest, total, completed }),
      },
    );
  }
}

/**
 * Fetch the layers, then run `write` (which writes the manifest) under a store lease. A blob swept away before
 * the manifest landed (`BLOB_NOT_FOUND`) is fetched again, once.
 */
export async function fetchAndWrite(
  ctx: PullContext,
  job: PullJob,
  layers: LayerRef[],
  sourceFor: SourceFor,
  write: (lease: WriteLease) => Promise<void>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await fetchLayers(ctx, job, layers, sourceFor);
    if (attempt === 0) job.emit({ status: 'verifying sha256 digest' });
    if (attempt === 0) job.emit({ status: 'writing manifest' });
    const lease = await ctx.store.beginWrite();
    try {
      await write(lease);
      return;
    } catch (err) {
      if (attempt > 0 || !isAppError(err, 'BLOB_NOT_FOUND')) throw err;
      ctx.log.warn(
        { model: job.name.toString(), err: err.message },
        'a pulled blob vanished; fetching it again',
      );
    } finally {
      lease.release();
    }
  }
}

/** Write a manifest with its exact bytes. */
export function manifestWriter(
  name: ModelName,
  manifest: Manifest,
  bytes: Uint8Array,
): (lease: WriteLease) => Promise<void> {
  return (lease) => lease.writeManifest(name, manifest, bytes);
}
