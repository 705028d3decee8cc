/** The port a blob download reads from: something that serves byte ranges of one blob (a registry, a CDN). */
import type { Readable } from 'node:stream';

/** The body of a ranged answer. */
export interface RangeBody {
  /** The bytes, starting at {@link start}. Destroy it to stop early. */
  body: Readable;
  /** Offset of the first byte of `body` in the blob: the requested start, or 0 when ranges are not supported. */
  start: number;
  /** Size of the whole blob when the server said it (`Content-Range` or `Content-Length` of a full answer). */
  total?: number;
}

/** Serves byte ranges of one blob. */
export interface RangeSource {
  /** What the bytes are, for messages. */
  readonly description: string;
  /** Where they come from, for logs: the origin of a registry, a mirror or the Hub. */
  readonly origin: string;
  /**
   * Open bytes `[start, end)`. Throws a `RetryableError` for transient failures (a 5xx, an expired storage link)
   * and an `AppError` for final ones.
   */
  open(start: number, end: number, signal: AbortSignal): Promise<RangeBody>;
}
