/** sha256 of blobs for the test servers (kept apart from the store, so a server process stays light). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { BlobData } from './serve-range.js';

/** Digest (`sha256:<hex>`) and size of the file at `path`. */
export async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** A blob given as bytes, text or a file, with its digest. */
export async function blobInput(
  input: Buffer | string | { path: string },
): Promise<{ data: BlobData; digest: string }> {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const bytes = Buffer.from(input);
    return { data: { bytes }, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
  }
  const { digest, size } = await hashFile(input.path);
  return { data: { path: input.path, size }, digest };
}
