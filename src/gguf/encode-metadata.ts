/** Encodes typed metadata values (gguf.md `gguf_metadata_kv_t`) with range checks. */
import { AppError } from '../core/index.js';
import type { ByteBuilder } from './byte-builder.js';
import { TYPE_ID, type GgufScalarTypeName } from './value-type.js';
import type { GgufWriteArray, GgufWriteValue } from './write-value.js';

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};
const BIG_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  u64: [0n, 2n ** 64n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

function invalid(key: string, message: string): AppError {
  return new AppError('INVALID_GGUF', `cannot write GGUF metadata '${key}': ${message}`);
}

function checkScalar(key: string, type: GgufScalarTypeName, v: unknown): void {
  const intRange = INT_RANGES[type];
  const bigRange = BIG_RANGES[type];
  if (intRange) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < intRange[0] || v > intRange[1])
      throw invalid(key, `${String(v)} is not a ${type} (integer in ${intRange[0]}..${intRange[1]})`);
  } else if (bigRange) {
    const ok = typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
    if (!ok || BigInt(v) < bigRange[0] || BigInt(v) > bigRange[1])
      throw invalid(key, `${String(v)} is not a ${type} (safe integer or bigint in range)`);
  } else if (type === 'f32' || type === 'f64') {
    if (typeof v !== 'number') throw invalid(key, `${String(v)} is not a number`);
  } else if (type === 'bool') {
    if (typeof v !== 'boolean') throw invalid(key, `${String(v)} is not a boolean`);
  } else if (typeof v !== 'string') {
    throw invalid(key, `${String(v)} is not a string`);
  }
}

function writeScalar(out: ByteBuilder, type: GgufScalarTypeName, v: unknown): void {
  if (type === 'bool') out.u8(v ? 1 : 0);
  else if (type === 'str') out.str(v as string);
  else if (type === 'u64' || type === 'i64') out[type](v as number | bigint);
  else out[type](v as number);
}

function writeArray(out: ByteBuilder, key: string, array: GgufWriteArray, depth: number): void {
  if (depth > 16) throw invalid(key, 'arrays nested deeper than 16 levels');
  out.u32(TYPE_ID[array.itemType]);
  out.u64(array.value.length);
  for (let i = 0; i < array.value.length; i++) {
    const item = array.value[i];
    if (array.itemType === 'arr') {
      const inner = item as GgufWriteArray;
      if (inner?.type !== 'arr') throw invalid(key, `item ${i} of an array of arrays is not an array value`);
      writeArray(out, key, inner, depth + 1);
    } else {
      checkScalar(key, array.itemType, item);
      writeScalar(out, array.itemType, item);
    }
  }
}

/** Appends one key/value pair: key string, value type id, value. Throws `INVALID_GGUF` on an unencodable value. */
export function encodeMetadataEntry(out: ByteBuilder, key: string, value: GgufWriteValue): void {
  if (key.length === 0) throw invalid(key, 'keys must not be empty');
  const typeId = TYPE_ID[value.type] as number | undefined;
  if (typeId === undefined) throw invalid(key, `unknown value type '${String(value.type)}'`);
  out.str(key);
  out.u32(typeId);
  if (value.type === 'arr') {
    writeArray(out, key, value, 1);
  } else {
    checkScalar(key, value.type, value.value);
    writeScalar(out, value.type, value.value);
  }
}
