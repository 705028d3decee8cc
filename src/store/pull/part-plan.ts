/**
 * How a blob is split into ranged parts (Ollama `download.go` `Prepare`): at most `maxParts` parts, none smaller
 * than `minPartSize` (the last one excepted), so small blobs take one request and large ones spread over several
 * connections. Each part is resumable on its own: it records how many of its bytes are written.
 */

/** One byte range of a blob download. */
export interface Part {
  /** First byte of the part in the blob. */
  offset: number;
  /** Length of the part in bytes. */
  size: number;
  /** Bytes of the part already written to the partial file (from `offset`). */
  completed: number;
}

/** Smallest part worth its own connection. */
export const MIN_PART_SIZE = 8 * 1024 * 1024;

/** Split `size` bytes into parts (none for an empty blob). */
export function planParts(size: number, maxParts: number, minPartSize = MIN_PART_SIZE): Part[] {
  if (size <= 0) return [];
  const count = Math.max(1, Math.min(Math.floor(maxParts), Math.ceil(size / minPartSize)));
  const partSize = Math.ceil(size / count);
  const parts: Part[] = [];
  for (let offset = 0; offset < size; offset += partSize) {
    parts.push({ offset, size: Math.min(partSize, size - offset), completed: 0 });
  }
  return parts;
}

/** Bytes completed over all parts. */
export function completedBytes(parts: readonly Part[]): number {
  return parts.reduce((sum, p) => sum + p.completed, 0);
}

/**
 * End of the prefix `[0, end)` that is completely written: the in-order hasher may read up to here. Parts must
 * be sorted by offset and cover the blob without gaps (as {@link planParts} makes them).
 */
export function contiguousEnd(parts: readonly Part[]): number {
  let end = 0;
  for (const p of parts) {
    end = p.offset + p.completed;
    if (p.completed < p.size) break;
  }
  return end;
}

/** True when `parts` tile `[0, size)` in order, each within bounds (a journal read from disk is checked so). */
export function partsCover(parts: readonly Part[], size: number): boolean {
  let next = 0;
  for (const p of parts) {
    if (p.offset !== next || p.size <= 0 || p.completed < 0 || p.completed > p.size) return false;
    next += p.size;
  }
  return next === size;
}
