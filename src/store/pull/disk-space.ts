/**
 * Free-space check before a pull: the bytes still to download (blob sizes minus what partial files already
 * hold) must fit in the free space of the store's filesystem, else the pull is refused before a byte is
 * fetched. The free-space probe is injectable so tests can simulate a full disk.
 */
import { statfs } from 'node:fs/promises';
import { AppError } from '../../core/index.js';
import { formatBytes } from '../../lib/index.js';

/** Free bytes available to this process on the filesystem holding `dir`. */
export type FreeBytes = (dir: string) => Promise<number>;

/** {@link FreeBytes} from `statfs` (blocks available to unprivileged users × block size). */
export const statfsFreeBytes: FreeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

/** Throw `INSUFFICIENT_DISK` when `needed` bytes do not fit in the free space of `dir`. */
export async function ensureDiskSpace(
  freeBytes: FreeBytes,
  dir: string,
  needed: number,
  what: string,
): Promise<void> {
  if (needed <= 0) return;
  const free = await freeBytes(dir);
  if (needed > free) {
    throw new AppError(
      'INSUFFICIENT_DISK',
      `not enough disk space to pull ${what}: it needs ${formatBytes(needed)} more, but only ${formatBytes(free)} is free in ${dir}`,
      { details: { needed, free } },
    );
  }
}
