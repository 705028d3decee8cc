/** Sequential writes to a file handle, coalescing small pieces into one buffer and passing big ones through. */
import type { FileHandle } from 'node:fs/promises';

const BUFFER_SIZE = 1024 * 1024;

export class FileWriter {
  private readonly buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private used = 0;
  /** Bytes accepted so far (buffered or written). */
  position = 0;

  constructor(private readonly handle: FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.position += bytes.length;
    if (this.used + bytes.length <= BUFFER_SIZE) {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    await this.flush();
    if (bytes.length < BUFFER_SIZE) {
      this.buf.set(bytes, 0);
      this.used = bytes.length;
    } else {
      await this.writeFully(bytes);
    }
  }

  async zeros(n: number): Promise<void> {
    if (n > 0) await this.write(new Uint8Array(n));
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const pending = this.buf.subarray(0, this.used);
    this.used = 0;
    await this.writeFully(pending);
  }

  // FileHandle.write may write less than asked (POSIX write(2)); loop until everything is out.
  private async writeFully(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }
}
