/** Decodes one metadata value (gguf.md `gguf_metadata_value_t`), arrays in buffered batches. */
import type { ByteCursor } from './byte-cursor.js';
import { fixedSizeOf, GgufValueType, isValueType, minSizeOf, type GgufValue } from './value-type.js';

/** Limits that keep a hostile file from making the reader allocate or loop without bound. */
export interface ValueLimits {
  readonly maxArrayLength: number;
  readonly maxStringLength: number;
}

// gguf.cpp does not allow nested arrays at all; we read them, but bound the depth so recursion cannot overflow.
const MAX_DEPTH = 16;
const BATCH_BYTES = 64 * 1024;

function readFixed(c: ByteCursor, type: number): GgufValue {
  switch (type) {
    case GgufValueType.UINT8:
      return c.u8();
    case GgufValueType.INT8:
      return c.i8();
    case GgufValueType.UINT16:
      return c.u16();
    case GgufValueType.INT16:
      return c.i16();
    case GgufValueType.UINT32:
      return c.u32();
    case GgufValueType.INT32:
      return c.i32();
    case GgufValueType.FLOAT32:
      return c.f32();
    case GgufValueType.BOOL:
      return c.u8() !== 0;
    case GgufValueType.UINT64:
      return c.u64();
    case GgufValueType.INT64:
      return c.i64();
    default:
      return c.f64();
  }
}

/** Reads a GGUF string (u64 length + UTF-8 bytes), refusing lengths over the limit or past the end of the file. */
export async function readString(c: ByteCursor, limits: ValueLimits, what: string): Promise<string> {
  if (!c.has(8)) await c.need(8, what);
  const n = c.u64Approx();
  if (n > limits.maxStringLength)
    throw c.invalid(`${what} is a string of ${n} bytes (limit ${limits.maxStringLength})`);
  if (!c.has(n)) await c.need(n, what);
  return c.utf8(n);
}

async function readArray(
  c: ByteCursor,
  limits: ValueLimits,
  what: string,
  depth: number,
): Promise<GgufValue[]> {
  if (depth > MAX_DEPTH) throw c.invalid(`${what} has arrays nested deeper than ${MAX_DEPTH} levels`);
  await c.need(12, what);
  const itemType = c.u32();
  const n = c.u64Approx();
  if (!isValueType(itemType)) throw c.invalid(`${what} is an array of unknown value type ${itemType}`);
  if (n > limits.maxArrayLength)
    throw c.invalid(`${what} is an array of ${n} items (limit ${limits.maxArrayLength})`);
  if (n * minSizeOf(itemType) > c.remaining)
    throw c.invalid(`${what} is an array of ${n} items, more than the ${c.remaining} bytes left in the file`);
  const items: GgufValue[] = new Array<GgufValue>(n);
  const size = fixedSizeOf(itemType);
  if (size > 0) {
    // Fixed-size items: make a batch available, then decode it synchronously.
    const perBatch = Math.max(1, Math.floor(BATCH_BYTES / size));
    for (let i = 0; i < n;) {
      const count = Math.min(perBatch, n - i);
      if (!c.has(count * size)) await c.need(count * size, what);
      for (const end = i + count; i < end; i++) items[i] = readFixed(c, itemType);
    }
  } else if (itemType === GgufValueType.STRING) {
    for (let i = 0; i < n; i++)
      items[i] = c.bufferedString(limits.maxStringLength) ?? (await readString(c, limits, what));
  } else {
    for (let i = 0; i < n; i++) items[i] = await readValue(c, itemType, limits, what, depth + 1);
  }
  return items;
}

/** Reads one value of `type`; `what` names it in errors (e.g. `metadata 'general.name'`). */
export async function readValue(
  c: ByteCursor,
  type: number,
  limits: ValueLimits,
  what: string,
  depth = 0,
): Promise<GgufValue> {
  if (type === GgufValueType.STRING) return readString(c, limits, what);
  if (type === GgufValueType.ARRAY) return readArray(c, limits, what, depth + 1);
  const size = fixedSizeOf(type);
  if (size === 0) throw c.invalid(`${what} has unknown value type ${type}`);
  if (!c.has(size)) await c.need(size, what);
  return readFixed(c, type);
}
