/**
 * Metadata value types of GGUF (ggml/docs/gguf.md, `enum gguf_metadata_value_type`), their short names as used
 * by {@link GgufWriteValue}, and the shape of values as the reader returns them.
 */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** A GGUF metadata value type id. */
export type GgufValueTypeId = (typeof GgufValueType)[keyof typeof GgufValueType];

/**
 * A metadata value as read: integers and floats are numbers, except 64-bit integers that do not fit a safe
 * integer, which are `bigint`; arrays (also nested ones) are plain JS arrays.
 */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** Short names of the number types whose value is a JS number when written. */
export type GgufNumberTypeName = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
/** Short names of the 64-bit integer types (written from a number or a bigint). */
export type GgufBigTypeName = 'u64' | 'i64';
/** Short names of every scalar type. */
export type GgufScalarTypeName = GgufNumberTypeName | GgufBigTypeName | 'bool' | 'str';
/** Short names of every type, `arr` included. */
export type GgufTypeName = GgufScalarTypeName | 'arr';

/** Type id for each short name. */
export const TYPE_ID: Readonly<Record<GgufTypeName, GgufValueTypeId>> = {
  u8: GgufValueType.UINT8,
  i8: GgufValueType.INT8,
  u16: GgufValueType.UINT16,
  i16: GgufValueType.INT16,
  u32: GgufValueType.UINT32,
  i32: GgufValueType.INT32,
  f32: GgufValueType.FLOAT32,
  bool: GgufValueType.BOOL,
  str: GgufValueType.STRING,
  arr: GgufValueType.ARRAY,
  u64: GgufValueType.UINT64,
  i64: GgufValueType.INT64,
  f64: GgufValueType.FLOAT64,
};

/** Fixed byte size of a scalar type id, or 0 for STRING and ARRAY (variable size). */
export function fixedSizeOf(type: number): number {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return 0;
  }
}

/** Smallest number of bytes one value of a type can take in a file (strings: length; arrays: type + count). */
export function minSizeOf(type: number): number {
  if (type === GgufValueType.STRING) return 8;
  if (type === GgufValueType.ARRAY) return 12;
  return fixedSizeOf(type);
}

/** True when `type` is one of the 13 value types of the spec. */
export function isValueType(type: number): type is GgufValueTypeId {
  return Number.isInteger(type) && type >= 0 && type <= 12;
}
