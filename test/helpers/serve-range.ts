/**
 * Serving blob bytes for the test registry and the Hugging Face-like server: `Range` requests (206), throttling,
 * a one-time mid-stream disconnect, corruption, and a count of bytes served.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A blob's bytes: in memory, or a file on disk (large blobs). */
export type BlobData = { bytes: Buffer } | { path: string; size: number };

/** Faults and limits applied while serving. */
export interface ServeFaults {
  /** Bytes per second per response (unlimited when absent). */
  throttle?: number;
  /** Cut the connection after this many bytes of this response (once per fault). */
  disconnectAfter?: number;
  /** Stop sending after this many bytes, keeping the connection open, until the client gives up (once). */
  stallAfter?: number;
  /** Flip one byte in the middle of the blob. */
  corrupt?: boolean;
  /** Ignore `Range` and always send the whole blob with 200. */
  noRanges?: boolean;
}

/** Size of a blob. */
export function sizeOf(blob: BlobData): number {
  return 'bytes' in blob ? blob.bytes.length : blob.size;
}

async function* chunksOf(blob: BlobData, start: number, end: number): AsyncGenerator<Buffer> {
  if ('bytes' in blob) {
    for (let at = start; at < end; at += 64 * 1024)
      yield blob.bytes.subarray(at, Math.min(end, at + 64 * 1024));
    return;
  }
  if (end <= start) return;
  yield* createReadStream(blob.path, {
    start,
    end: end - 1,
    highWaterMark: 256 * 1024,
  }) as AsyncIterable<Buffer>;
}

/**
 * Answer `req` with `blob` (HEAD: headers only). Calls `count(n)` for every byte written. Resolves when the
 * response ended or was cut.
 */
export async function serveBlob(
  req: IncomingMessage,
  res: ServerResponse,
  blob: BlobData,
  faults: ServeFaults,
  count: (bytes: number) => void,
): Promise<void> {
  const size = sizeOf(blob);
  let start = 0;
  let end = size;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && !faults.noRanges) {
    start = Number(range[1]);
    end = range[2] ? Math.min(size, Number(range[2]) + 1) : size;
    if (start >= size || end <= start) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-length': end - start,
      'content-range': `bytes ${start}-${end - 1}/${size}`,
      'content-type': 'application/octet-stream',
    });
  } else {
    res.writeHead(200, {
      'content-length': size,
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
    });
  }
  if (req.method === 'HEAD') return void res.end();
  const middle = Math.floor(size / 2);
  let sent = 0;
  const began = Date.now();
  for await (let chunk of chunksOf(blob, start, end)) {
    if (res.destroyed) return;
    const at = start + sent;
    if (faults.corrupt && middle >= at && middle < at + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[middle - at] = (chunk[middle - at] as number) ^ 0xff;
    }
    if (faults.stallAfter !== undefined && sent + chunk.length > faults.stallAfter) {
      await new Promise<void>((resolve) => res.once('close', resolve));
      return;
    }
    if (faults.disconnectAfter !== undefined && sent + chunk.length > faults.disconnectAfter) {
      const head = chunk.subarray(0, Math.max(0, faults.disconnectAfter - sent));
      if (head.length > 0) res.write(head);
      count(head.length);
      res.socket?.destroy();
      return;
    }
    res.write(chunk);
    sent += chunk.length;
    count(chunk.length);
    if (faults.throttle !== undefined) {
      const due = began + (sent / faults.throttle) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (res.writableNeedDrain && !res.destroyed) await drained(res);
  }
  res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
