/**
 * A read-only check of a model store on disk (used by tests after simulated crashes and by `corral doctor`):
 * every manifest parses and names a valid model; every blob it references exists, has the recorded size and
 * hashes to its name; every blob file's content matches its name. Temp files and unreferenced blobs are
 * reported separately: both are harmless leftovers that startup cleanup and GC remove.
 */
import { join } from 'node:path';
import { type Manifest, manifestDigests, parseManifest } from '../core/index.js';
import { readFile } from 'node:fs/promises';
import { BlobStore } from './blob-store.js';
import { ManifestStore } from './manifest-store.js';

/** One inconsistency. */
export interface StoreProblem {
  kind: 'corrupt-manifest' | 'missing-blob' | 'size-mismatch' | 'corrupt-blob';
  /** The manifest or blob file concerned. */
  path: string;
  message: string;
}

/** The result of {@link checkStoreConsistency}. */
export interface StoreConsistencyReport {
  /** True when there is no problem (temp files and unreferenced blobs do not count). */
  ok: boolean;
  problems: StoreProblem[];
  manifests: number;
  blobs: number;
  tempFiles: string[];
  unreferencedBlobs: string[];
}

/**
 * Check the store under `root` (the `CORRAL_MODELS` directory). With `verifyHashes: false` blobs are only
 * checked for presence and size (fast); by default every blob is re-hashed.
 */
export async function checkStoreConsistency(
  root: string,
  options: { verifyHashes?: boolean } = {},
): Promise<StoreConsistencyReport> {
  const verifyHashes = options.verifyHashes ?? true;
  const blobs = new BlobStore(join(root, 'blobs'));
  const manifests = new ManifestStore(join(root, 'manifests'));
  const problems: StoreProblem[] = [];
  const referenced = new Set<string>();
  const names = await manifests.names();

  for (const name of names) {
    const path = manifests.pathOf(name);
    let manifest: Manifest;
    try {
      manifest = parseManifest(await readFile(path), name.toString());
    } catch (err) {
      problems.push({ kind: 'corrupt-manifest', path, message: (err as Error).message });
      continue;
    }
    const sizes = new Map<string, number>([[manifest.config.digest, manifest.config.size]]);
    for (const l of manifest.layers) sizes.set(l.digest, l.size);
    for (const digest of manifestDigests(manifest)) {
      referenced.add(digest);
      const size = await blobs.size(digest);
      if (size === undefined) {
        problems.push({
          kind: 'missing-blob',
          path,
          message: `${name.display} references missing blob ${digest}`,
        });
      } else if (size !== sizes.get(digest)) {
        problems.push({
          kind: 'size-mismatch',
          path,
          message: `${name.display}: blob ${digest} has ${size} bytes, manifest says ${String(sizes.get(digest))}`,
        });
      }
    }
  }

  const allBlobs = await blobs.list();
  if (verifyHashes) {
    for (const digest of allBlobs) {
      if (!(await blobs.verify(digest))) {
        problems.push({
          kind: 'corrupt-blob',
          path: blobs.path(digest),
          message: `blob ${digest} does not hash to its name`,
        });
      }
    }
  }

  return {
    ok: problems.length === 0,
    problems,
    manifests: names.length,
    blobs: allBlobs.length,
    tempFiles: [...(await blobs.staleTempFiles()), ...(await manifests.tempFiles())],
    unreferencedBlobs: allBlobs.filter((d) => !referenced.has(d)),
  };
}
