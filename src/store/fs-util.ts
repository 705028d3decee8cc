/** Small filesystem helpers shared by the store's files. */
import { type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';

/** True for ENOENT/ENOTDIR errors (the path, or one of its parents, does not exist). */
export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Entry names of a directory; an absent directory has none. */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Entries (with types) of a directory; an absent directory has none. */
export async function readdirEntries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
