/**
 * A Hugging Face folder sent as uploaded blobs (Ollama's create `files` / `adapters` maps: file name → digest).
 * The converters read folders, so the blobs are presented as one: a fresh directory under the store's `tmp/`
 * holding a symbolic link per file, removed when the conversion ends (also on failure). Names are plain file
 * names (no separators, no leading dot, so no `..`), so nothing outside the folder can be named; the links point
 * only at blobs of this store, so no file of the server other than uploaded content is read.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../core/index.js';
import { normalizeDigest } from '../lib/index.js';
import type { BlobStore } from './blob-store.js';

/** One uploaded file: its name in the folder and its blob. */
export interface UploadedFile {
  readonly name: string;
  readonly digest: string;
}

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/**
 * Checks a file map before anything is written: every name a plain file name, every digest a blob in the store,
 * `required` (config.json, adapter_config.json) present. `INVALID_REQUEST` / `BLOB_NOT_FOUND` otherwise.
 */
export async function checkUploadedFiles(
  field: string,
  files: Readonly<Record<string, string>>,
  required: string,
  blobs: BlobStore,
): Promise<UploadedFile[]> {
  const out: UploadedFile[] = [];
  for (const [name, value] of Object.entries(files)) {
    if (!FILE_NAME.test(name))
      throw new AppError(
        'INVALID_REQUEST',
        `${field}: ${JSON.stringify(name)} is not a plain file name (no folders, no leading dot)`,
      );
    const digest = normalizeDigest(value);
    if (digest === undefined)
      throw new AppError(
        'INVALID_REQUEST',
        `${field}: ${name}: ${JSON.stringify(value)} is not a sha256 digest`,
      );
    if (!(await blobs.has(digest)))
      throw new AppError(
        'BLOB_NOT_FOUND',
        `${field}: ${name}: blob ${digest} is not in the store (upload it first)`,
      );
    out.push({ name, digest });
  }
  if (!out.some((f) => f.name === required))
    throw new AppError(
      'INVALID_MODEL_FOLDER',
      `${field}: ${required} is missing (a Hugging Face ${required === 'config.json' ? 'model' : 'PEFT adapter'} needs it)`,
    );
  return out;
}

/** Runs `fn` on a temporary folder of links to the uploaded blobs; the folder is removed afterwards. */
/** Where upload folders live: `<models>/tmp`, emptied when the store opens (a crash may leave some). */
export function uploadRoot(blobs: BlobStore): string {
  return join(dirname(blobs.dir), 'tmp');
}

export async function withUploadedFolder<T>(
  blobs: BlobStore,
  files: readonly UploadedFile[],
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const root = uploadRoot(blobs);
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(join(root, 'upload-'));
  try {
    for (const f of files) await symlink(blobs.path(f.digest), join(dir, f.name));
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
