/**
 * Crash-safe file writes: write a temp file in the destination's directory, fsync it, rename it over the
 * destination, fsync the directory. After a crash the destination holds either the old or the new content,
 * never a mix; a leftover temp file is recognisable by {@link TEMP_PREFIX} and removed at startup.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readdirOrEmpty } from './fs-util.js';

/**
 * Prefix of every temp file the store creates. It starts with a dot, which no model name part or blob name
 * can, so a temp file can never be mistaken for a tag or a blob.
 */
export const TEMP_PREFIX = '.corral-tmp-';

/** True when a directory entry is one of our temp files. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** A fresh temp path beside `target` (same directory, hence same filesystem, so rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(target)}`);
}

/** A fresh temp path in `dir` with a hint in its name. */
export function tempPathIn(dir: string, hint: string): string {
  return join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${hint}`);
}

/** Create `dir` if needed and remove the temp files a crashed atomic write left in it. */
export async function prepareDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdirOrEmpty(dir)) {
    if (isTempName(name)) await rm(join(dir, name), { force: true });
  }
}

/** fsync a directory so a rename or unlink in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Atomically replace `target` with `data`, creating parent directories as needed. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temp = tempPathFor(target);
  try {
    const handle = await openCreating(temp);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

// A concurrent delete may prune the (empty) parent directory between mkdir and open: recreate and retry.
async function openCreating(path: string): Promise<FileHandle> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(dirname(path), { recursive: true });
    try {
      return await open(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

/** Move a complete, already-fsynced temp file into place and make the rename durable. */
export async function commitTempFile(temp: string, target: string): Promise<void> {
  await rename(temp, target);
  await fsyncDir(dirname(target));
}
