/**
 * Downloads the rest of one part into the partial file at its offset. Incoming chunks are gathered into batches
 * of a few MB (or 200 ms of a slow connection) and written with one `writev` each (far fewer syscalls and
 * promises than a write per 64 KB chunk),
 * with at most two writes in flight: when both are busy the socket is paused (backpressure). A part's
 * `completed` only grows once its bytes are written, so a failure never counts bytes twice; the promise settles
 * only after every write it started has finished, so a retry never races an old write.
 */
import type { FileHandle } from 'node:fs/promises';
import { AppError } from '../../core/index.js';
import type { Part } from './part-plan.js';
import type { RangeSource } from './range-source.js';
import { RetryableError } from './retry.js';

/** What {@link fetchPart} needs. */
export interface FetchPartOptions {
  source: RangeSource;
  part: Part;
  /** Size of the whole blob (a server reporting another size is refused). */
  blobSize: number;
  file: FileHandle;
  signal: AbortSignal;
  /** Called after each write with the bytes it added to `part.completed`. */
  onWritten: (bytes: number) => void;
  /** Bytes gathered before a write (default 4 MiB). */
  batchBytes?: number;
}

const MAX_WRITES_IN_FLIGHT = 2;
/** A slow connection still writes (and so can checkpoint) its bytes at least this often. */
const FLUSH_MS = 200;

/** Fetch `part` from `part.offset + part.completed` to its end. */
export async function fetchPart(options: FetchPartOptions): Promise<void> {
  const { source, part, file, signal, onWritten } = options;
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
  const batchBytes = options.batchBytes ?? 4 * 1024 * 1024;

  return new Promise<void>((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchSize = 0;
    let writing = 0;
    let received = false; // the whole range arrived
    let failure: unknown;
    let lastFlush = Date.now();
    let queue: Promise<unknown> = Promise.resolve();

    const settle = () => {
      if (writing > 0) return;
      if (failure !== undefined) reject(signal.aborted ? (signal.reason as Error) : (failure as Error));
      else if (received) resolve();
    };
    const fail = (err: unknown) => {
      if (failure !== undefined || received) return;
      failure = err;
      body.destroy();
      settle();
    };
    const flush = () => {
      if (batchSize === 0) return;
      const buffers = batch;
      const size = batchSize;
      const at = pos;
      batch = [];
      batchSize = 0;
      lastFlush = Date.now();
      pos += size;
      writing++;
      if (writing >= MAX_WRITES_IN_FLIGHT) body.pause();
      // Writes run one after another, so `completed` only ever covers a gap-free prefix of the part (the
      // hasher reads up to it, and the journal records it).
      queue = queue.then(() => file.writev(buffers, at));
      void queue.then(
        () => {
          writing--;
          part.completed += size;
          onWritten(size);
          if (failure === undefined && !received) body.resume();
          settle();
        },
        (err: unknown) => {
          writing--;
          failure ??= diskError(err);
          body.destroy();
          settle();
        },
      );
    };

    body.on('data', (chunk: Buffer) => {
      if (failure !== undefined || received) return;
      let data = chunk;
      if (skip > 0) {
        const drop = Math.min(skip, data.length);
        skip -= drop;
        data = data.subarray(drop);
      }
      const room = end - pos - batchSize;
      if (data.length > room) data = data.subarray(0, room);
      if (data.length > 0) {
        batch.push(data);
        batchSize += data.length;
      }
      if (pos + batchSize >= end) {
        received = true;
        flush();
        body.destroy(); // anything past our range is not ours (and a complete body just ends here)
        settle();
      } else if (batchSize >= batchBytes || Date.now() - lastFlush >= FLUSH_MS) flush();
    });
    // A broken connection: keep what arrived (write the gathered batch), then fail so the caller retries.
    const stop = (err: unknown) => {
      if (failure !== undefined || received) return;
      flush();
      fail(err);
    };
    body.once('error', stop);
    body.once('close', () => {
      const got = pos + batchSize - part.offset;
      const what = `connection closed after ${got} of ${part.size} bytes of a part of ${source.description}`;
      stop(new RetryableError(what, 'NETWORK_ERROR'));
    });
  });
}

/** A write failure: a full disk becomes `INSUFFICIENT_DISK`; anything else is passed on. */
export function diskError(err: unknown): unknown {
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC') {
    return new AppError('INSUFFICIENT_DISK', 'the disk is full: the download cannot continue', { cause: err });
  }
  return err;
}
