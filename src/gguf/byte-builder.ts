/** A growable little-endian byte buffer for encoding GGUF headers (all GGUF numbers are little-endian). Writers chain. */
export class ByteBuilder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.len = this.buf.writeUInt8(v, this.len);
    return this;
  }
  i8(v: number): this {
    this.reserve(1);
    this.len = this.buf.writeInt8(v, this.len);
    return this;
  }
  u16(v: number): this {
    this.reserve(2);
    this.len = this.buf.writeUInt16LE(v, this.len);
    return this;
  }
  i16(v: number): this {
    this.reserve(2);
    this.len = this.buf.writeInt16LE(v, this.len);
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    this.len = this.buf.writeUInt32LE(v, this.len);
    return this;
  }
  i32(v: number): this {
    this.reserve(4);
    this.len = this.buf.writeInt32LE(v, this.len);
    return this;
  }
  f32(v: number): this {
    this.reserve(4);
    this.len = this.buf.writeFloatLE(v, this.len);
    return this;
  }
  f64(v: number): this {
    this.reserve(8);
    this.len = this.buf.writeDoubleLE(v, this.len);
    return this;
  }
  u64(v: number | bigint): this {
    this.reserve(8);
    this.len = this.buf.writeBigUInt64LE(BigInt(v), this.len);
    return this;
  }
  i64(v: number | bigint): this {
    this.reserve(8);
    this.len = this.buf.writeBigInt64LE(BigInt(v), this.len);
    return this;
  }
  /** A GGUF string: u64 byte length, then UTF-8 bytes, no terminator (gguf.md `gguf_string_t`). */
  str(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(n);
    this.reserve(n);
    this.len += this.buf.write(s, this.len, n, 'utf8');
    return this;
  }
  /** `n` zero bytes (alignment padding). */
  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }
}
