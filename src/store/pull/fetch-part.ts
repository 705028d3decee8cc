/**
 * Downloads the rest of one part into the partial file at its offset. Incoming socket chunks are copied into
 * one of three reusable buffers of a few MB, and a full buffer (or 200 ms worth of a slow connection) is handed
 * to the {@link BlobWriter} as one positioned write. Copying lets the chunks die young: holding them until a
 * batched write made them survive into the old generation, and garbage collection then cost more than the
 * download itself. The socket is paused (backpressure) while two writes are queued, and while the shared
 * {@link BandwidthLimiter} says the bytes received are ahead of the limit. A part's `completed` only grows once
 * its bytes are written, in order, so it always covers a gap-free prefix (the hasher reads up to it, the journal
 * records it), and the promise settles only after every write it queued has finished, so a retry never races an
 * old write.
 *
 * Stall detection lives here, not in the socket's idle timer: a body that delivers no byte for `stallMs` while
 * it is flowing fails with a retryable error (the retry resumes where the part stopped). Time spent paused, for
 * the limiter or for a slow disk, is not a stall: the timer only runs while the body flows, so a limit far below
 * the connection's speed never looks like a dead server. (The HTTP client's idle timeout still covers connecting
 * and the response headers; {@link HttpRangeSource} turns it off for the body.)
 */
import { AppError } from '../../core/index.js';
import type { BandwidthLimiter } from './bandwidth-limiter.js';
import type { BlobWriter } from './blob-writer.js';
import type { Part } from './part-plan.js';
import type { RangeSource } from './range-source.js';
import { RetryableError } from './retry.js';

/** What {@link fetchPart} needs. */
export interface FetchPartOptions {
  source: RangeSource;
  part: Part;
  /** Size of the whole blob (a server reporting another size is refused). */
  blobSize: number;
  writer: BlobWriter;
  signal: AbortSignal;
  /** Called after each write with the bytes it added to `part.completed`. */
  onWritten: (bytes: number) => void;
  /** Size of a write buffer (default 4 MiB). */
  batchBytes?: number;
  /** The server-wide bandwidth limit, if any. */
  limiter?: BandwidthLimiter;
  /** A flowing body that delivers no byte for this long is a stall (default 30 s). */
  stallMs?: number;
}

const MAX_WRITES_QUEUED = 2;
/** A slow connection still writes (and so can checkpoint) its bytes at least this often. */
const FLUSH_MS = 200;

/** Fetch `part` from `part.offset + part.completed` to its end. */
export async function fetchPart(options: FetchPartOptions): Promise<void> {
  const { source, part, writer, signal, onWritten, limiter } = options;
  const stallMs = options.stallMs ?? 30_000;
  const end = part.offset + part.size;
  let pos = part.offset + part.completed;
  if (pos >= end) return;
  const opened = await source.open(pos, end, signal);
  const { body } = opened;
  if (opened.total !== undefined && opened.total !== options.blobSize) {
    body.destroy();
    throw new AppError(
      'DIGEST_MISMATCH',
      `${source.description} has ${opened.total} bytes, but the manifest says ${options.blobSize}`,
    );
  }
  let skip = pos - opened.start; // bytes before our range, when the server ignored the Range header
  const bufferSize = Math.min(options.batchBytes ?? 4 * 1024 * 1024, end - pos);
  // One buffer filling, up to MAX_WRITES_QUEUED being written: the socket is paused before a fourth is needed.
  const free: Buffer[] = Array.from({ length: MAX_WRITES_QUEUED + 1 }, () =>
    Buffer.allocUnsafeSlow(bufferSize),
  );

  return new Promise<void>((resolve, reject) => {
    let current: Buffer = free.pop() as Buffer;
    let fill = 0;
    let writing = 0;
    let received = false; // the whole range arrived
    let failure: unknown;
    let writeFailed = false; // later writes of this part leave a gap: they must not count
    let lastFlush = Date.now();
    let throttle: NodeJS.Timeout | undefined; // pending while the limiter holds the socket
    let watchdog: NodeJS.Timeout | undefined;
    let lastSeen = Date.now(); // the last byte, or the last time the body started flowing again

    const over = () => failure !== undefined || received;
    const flowing = () => !over() && writing < MAX_WRITES_QUEUED && throttle === undefined;
    // The watchdog checks, when it fires, how long the flowing body has been silent: one timer per part, not one
    // per chunk. While the body is paused it lapses; resuming restarts it.
    const watch = (ms: number) => {
      watchdog = setTimeout(() => {
        watchdog = undefined;
        if (!flowing()) return;
        const silent = Date.now() - lastSeen;
        if (silent < stallMs) return watch(stallMs - silent);
        const what = `${source.description} stalled: no data for ${stallMs} ms`;
        body.destroy(new RetryableError(what, 'NETWORK_ERROR'));
      }, ms);
    };
    const updateFlow = () => {
      if (!flowing()) return void body.pause();
      if (body.isPaused()) lastSeen = Date.now();
      body.resume();
      if (watchdog === undefined) watch(stallMs);
    };
    const stopTimers = () => {
      clearTimeout(throttle);
      clearTimeout(watchdog);
      throttle = watchdog = undefined;
    };

    const settle = () => {
      if (over()) stopTimers();
      if (writing > 0) return;
      if (failure !== undefined) reject(signal.aborted ? (signal.reason as Error) : (failure as Error));
      else if (received) resolve();
    };
    const fail = (err: unknown) => {
      if (over()) return;
      failure = err;
      body.destroy();
      settle();
    };
    const flush = () => {
      if (fill === 0) return;
      const buffer = current;
      const size = fill;
      const at = pos;
      pos += size;
      fill = 0;
      lastFlush = Date.now();
      // Three buffers cover one filling and two queued; a fourth is only made if a chunk arrives while paused.
      current = free.pop() ?? Buffer.allocUnsafeSlow(bufferSize);
      writing++;
      updateFlow();
      void writer.write(buffer, size, at).then(
        (reusable) => {
          writing--;
          free.push(reusable);
          if (!writeFailed) {
            part.completed += size;
            onWritten(size);
          }
          updateFlow();
          settle();
        },
        (err: unknown) => {
          writing--;
          writeFailed = true;
          failure ??= diskError(err);
          body.destroy();
          settle();
        },
      );
    };

    body.on('data', (chunk: Buffer) => {
      if (over()) return;
      lastSeen = Date.now();
      // Every received byte used the link, skipped ones and the last ones too: book them all.
      const wait = limiter?.take(chunk.length) ?? 0;
      let offset = Math.min(skip, chunk.length);
      skip -= offset;
      const stop = Math.min(chunk.length, offset + (end - pos - fill)); // nothing past our range
      while (offset < stop) {
        const n = Math.min(stop - offset, bufferSize - fill);
        chunk.copy(current, fill, offset, offset + n);
        fill += n;
        offset += n;
        if (fill === bufferSize && pos + fill < end) flush();
      }
      if (pos + fill >= end) {
        received = true;
        flush();
        body.destroy(); // anything past our range is not ours (and a complete body just ends here)
        settle();
        return;
      }
      if (lastSeen - lastFlush >= FLUSH_MS) flush();
      if (wait > 0 && throttle === undefined) {
        throttle = setTimeout(() => {
          throttle = undefined;
          updateFlow();
        }, wait);
        updateFlow();
      }
    });
    // A broken connection: keep what arrived (write the filled buffer), then fail so the caller retries.
    const stop = (err: unknown) => {
      if (over()) return;
      flush();
      fail(err);
    };
    body.once('error', stop);
    body.once('close', () => {
      const got = pos + fill - part.offset;
      const what = `connection closed after ${got} of ${part.size} bytes of a part of ${source.description}`;
      stop(new RetryableError(what, 'NETWORK_ERROR'));
    });
    updateFlow();
  });
}

/** A write failure: a full disk becomes `INSUFFICIENT_DISK`; anything else is passed on. */
export function diskError(err: unknown): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') {
    return new AppError('INSUFFICIENT_DISK', 'the disk is full: the download cannot continue', {
      cause: err,
    });
  }
  return err;
}
