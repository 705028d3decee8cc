/** Disk facts of the model store for the console's system page: its file system's size and free space, and blobs. */
import { stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound, readdirOrEmpty } from './fs-util.js';

/** Sizes in bytes. */
export interface StoreUsage {
  totalBytes: number;
  freeBytes: number;
  /** Bytes of every stored blob (shared blobs counted once). */
  modelsBytes: number;
}

/** Usage of the store rooted at `root` (the models directory). */
export async function storeUsage(root: string): Promise<StoreUsage> {
  const fs = await statfs(root);
  const dir = join(root, 'blobs');
  let modelsBytes = 0;
  for (const name of await readdirOrEmpty(dir)) {
    if (!name.startsWith('sha256-')) continue;
    try {
      modelsBytes += (await stat(join(dir, name))).size;
    } catch (err) {
      if (!isNotFound(err)) throw err; // removed between the listing and the stat: no longer counts
    }
  }
  return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize, modelsBytes };
}
