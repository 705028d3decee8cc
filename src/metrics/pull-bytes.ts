/**
 * Turns pull progress lines into downloaded bytes. A line carries the bytes of one blob present so far, so the
 * bytes downloaded are the growth of that number. The first line seen for a blob is its baseline, not counted: it
 * holds what was already there (a blob already in the store, a resumed partial download). Requests that follow one
 * pull, or two pulls sharing a blob, see the same lines; a high-water mark per digest counts the growth once.
 */

/** The fields of a pull progress line this needs (`PullProgress` of `src/store`). */
export interface ProgressLine {
  digest?: string;
  total?: number;
  completed?: number;
}

/** Keeps a high-water mark per blob digest; see the module comment. */
export class PullBytes {
  readonly #seen = new Map<string, number>();

  /** Bytes downloaded since the last line of the same blob (0 for a first line or a line without progress). */
  delta(line: ProgressLine): number {
    const { digest, completed, total } = line;
    if (digest === undefined || completed === undefined) return 0;
    const before = this.#seen.get(digest);
    // A finished blob is forgotten: the map stays as small as the downloads in flight.
    if (total !== undefined && completed >= total) this.#seen.delete(digest);
    else if (before === undefined || completed > before) this.#seen.set(digest, completed);
    return before === undefined ? 0 : Math.max(0, completed - before);
  }

  /** Blobs being followed now (for tests). */
  get size(): number {
    return this.#seen.size;
  }
}
