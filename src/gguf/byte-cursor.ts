/**
 * Buffered little-endian reads from a random-access byte source. The reader asks for bytes with `need(n)` (async,
 * refills a chunk) and then decodes them with the synchronous accessors, so parsing a 100k-entry vocabulary costs a
 * few dozen reads, not 100k. Nothing past the requested bytes plus one chunk is ever read.
 */
import { AppError } from '../core/index.js';

/** What the GGUF parser reads from: a file handle, or anything shaped like one (tests count the reads). */
export interface GgufByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `buffer[offset…]`; resolves to the count read (0 at end). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
}

const CHUNK = 1024 * 1024;
const TWO_32 = 2 ** 32;

export class ByteCursor {
  private buf = Buffer.alloc(0); // capacity; bytes [0, bufLen) hold the file from bufStart on
  private bufLen = 0;
  private bufStart = 0;
  /** Absolute position of the next byte to decode. */
  pos = 0;

  constructor(
    private readonly source: GgufByteSource,
    /** How the file is named in error messages. */
    readonly name: string,
    private readonly chunkSize = CHUNK,
  ) {}

  /** Bytes between the current position and the end of the file. */
  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** True when the next `n` bytes are buffered. */
  has(n: number): boolean {
    return this.pos + n <= this.bufStart + this.bufLen;
  }

  /** An `INVALID_GGUF` error naming the file. */
  invalid(message: string): AppError {
    return new AppError('INVALID_GGUF', `${this.name}: invalid GGUF file: ${message}`, {
      details: { file: this.name, offset: this.pos },
    });
  }

  /** Makes the next `n` bytes available, or throws `INVALID_GGUF` (truncated) when the file ends before them. */
  async need(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining)
      throw this.invalid(
        `truncated: ${what} needs ${n} bytes at offset ${this.pos}, the file has ${this.source.size}`,
      );
    const want = Math.min(Math.max(n, this.chunkSize), this.remaining);
    const kept = Math.max(0, this.bufStart + this.bufLen - this.pos);
    const next = want <= this.buf.length ? this.buf : Buffer.allocUnsafe(want);
    this.buf.copy(next, 0, this.bufLen - kept, this.bufLen); // Buffer.copy is safe for overlapping regions
    let filled = kept;
    while (filled < want) {
      const got = await this.source.read(next, filled, want - filled, this.pos + filled);
      if (got === 0)
        throw this.invalid(`truncated: the file ended at offset ${this.pos + filled} while reading ${what}`);
      filled += got;
    }
    this.buf = next;
    this.bufLen = filled;
    this.bufStart = this.pos;
  }

  private at(n: number): number {
    const o = this.pos - this.bufStart;
    this.pos += n;
    return o;
  }

  // Synchronous accessors: call need() first.
  u8(): number {
    return this.buf[this.at(1)]!;
  }
  i8(): number {
    return this.buf.readInt8(this.at(1));
  }
  u16(): number {
    return this.buf.readUInt16LE(this.at(2));
  }
  i16(): number {
    return this.buf.readInt16LE(this.at(2));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.at(4));
  }
  i32(): number {
    return this.buf.readInt32LE(this.at(4));
  }
  f32(): number {
    return this.buf.readFloatLE(this.at(4));
  }
  f64(): number {
    return this.buf.readDoubleLE(this.at(8));
  }
  /** A u64 as a number; values past 2^53 lose precision, which only matters for counts that are refused anyway. */
  u64Approx(): number {
    const o = this.at(8);
    return this.buf.readUInt32LE(o + 4) * TWO_32 + this.buf.readUInt32LE(o);
  }
  /** A u64 as a number when it is a safe integer, else a bigint. */
  u64(): number | bigint {
    const o = this.at(8);
    const hi = this.buf.readUInt32LE(o + 4);
    return hi < 0x200000 ? hi * TWO_32 + this.buf.readUInt32LE(o) : this.buf.readBigUInt64LE(o);
  }
  /** An i64 as a number when it is a safe integer, else a bigint. */
  i64(): number | bigint {
    const o = this.at(8);
    const hi = this.buf.readInt32LE(o + 4);
    const value = hi * TWO_32 + this.buf.readUInt32LE(o);
    return Number.isSafeInteger(value) ? value : this.buf.readBigInt64LE(o);
  }
  /**
   * A whole GGUF string (u64 length + bytes) if it is already buffered and at most `max` bytes, else `undefined`
   * without moving: the fast path for vocabularies, where awaiting once per token would dominate.
   */
  bufferedString(max: number): string | undefined {
    if (!this.has(8)) return undefined;
    const o = this.pos - this.bufStart;
    const n = this.buf.readUInt32LE(o + 4) * TWO_32 + this.buf.readUInt32LE(o);
    if (n > max || !this.has(8 + n)) return undefined;
    this.pos += 8 + n;
    return this.buf.toString('utf8', o + 8, o + 8 + n);
  }
  /** `n` bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
  utf8(n: number): string {
    const o = this.at(n);
    return this.buf.toString('utf8', o, o + n);
  }
  /** `n` raw bytes (a copy). */
  bytes(n: number): Buffer {
    const o = this.at(n);
    return Buffer.from(this.buf.subarray(o, o + n));
  }
}
