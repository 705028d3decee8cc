/** Blob sweeping for delete and gc. Callers hold the store's exclusive lock, so no write races the sweep. */
import { rm } from 'node:fs/promises';
import type { BlobStore } from './blob-store.js';
import type { ManifestStore } from './manifest-store.js';

/** What a sweep removed. */
export interface SweepResult {
  removedBlobs: string[];
  freedBytes: number;
}

/** Remove each candidate blob that no manifest references. */
export async function sweepBlobs(
  blobs: BlobStore,
  manifests: ManifestStore,
  candidates: Iterable<string>,
): Promise<SweepResult> {
  const referenced = await manifests.referencedDigests();
  const result: SweepResult = { removedBlobs: [], freedBytes: 0 };
  for (const digest of new Set(candidates)) {
    if (referenced.has(digest)) continue;
    const size = await blobs.remove(digest);
    if (size === undefined) continue;
    result.removedBlobs.push(digest);
    result.freedBytes += size;
  }
  return result;
}

/** Remove files (missing ones are fine: removing is the goal). */
export async function removeFiles(paths: Iterable<string>): Promise<void> {
  for (const p of paths) await rm(p, { force: true });
}
