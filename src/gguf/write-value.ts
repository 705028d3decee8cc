/**
 * Typed metadata values for {@link writeGguf}. GGUF stores an explicit type with every value, so a writer cannot
 * guess `5` (u32? i64? f32?): callers say it, ideally through the {@link gguf} helpers:
 * `{ 'llama.block_count': gguf.u32(2), 'general.name': gguf.str('tiny'), 'tokenizer.ggml.tokens': gguf.arr('str', tokens) }`.
 */
import type { GgufBigTypeName, GgufNumberTypeName, GgufScalarTypeName } from './value-type.js';

/** A scalar metadata value with its type. */
export type GgufWriteScalar =
  | { readonly type: GgufNumberTypeName; readonly value: number }
  | { readonly type: GgufBigTypeName; readonly value: number | bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'str'; readonly value: string };

/** An array metadata value: items of one type, possibly arrays themselves (nested arrays). */
export type GgufWriteArray =
  | { readonly type: 'arr'; readonly itemType: GgufNumberTypeName; readonly value: ArrayLike<number> }
  | { readonly type: 'arr'; readonly itemType: GgufBigTypeName; readonly value: ArrayLike<number | bigint> }
  | { readonly type: 'arr'; readonly itemType: 'bool'; readonly value: ArrayLike<boolean> }
  | { readonly type: 'arr'; readonly itemType: 'str'; readonly value: ArrayLike<string> }
  | { readonly type: 'arr'; readonly itemType: 'arr'; readonly value: ArrayLike<GgufWriteArray> };

/** Any metadata value accepted by {@link writeGguf}. */
export type GgufWriteValue = GgufWriteScalar | GgufWriteArray;

/** JS item type accepted for each array item type. */
export interface GgufArrayItem {
  u8: number;
  i8: number;
  u16: number;
  i16: number;
  u32: number;
  i32: number;
  f32: number;
  f64: number;
  u64: number | bigint;
  i64: number | bigint;
  bool: boolean;
  str: string;
  arr: GgufWriteArray;
}

function arr<T extends GgufScalarTypeName | 'arr'>(
  itemType: T,
  value: ArrayLike<GgufArrayItem[T]>,
): GgufWriteArray {
  return { type: 'arr', itemType, value } as GgufWriteArray;
}

/** Constructors for typed metadata values: `gguf.u32(5)`, `gguf.str('x')`, `gguf.arr('str', ['a'])`. */
export const gguf = {
  u8: (value: number): GgufWriteScalar => ({ type: 'u8', value }),
  i8: (value: number): GgufWriteScalar => ({ type: 'i8', value }),
  u16: (value: number): GgufWriteScalar => ({ type: 'u16', value }),
  i16: (value: number): GgufWriteScalar => ({ type: 'i16', value }),
  u32: (value: number): GgufWriteScalar => ({ type: 'u32', value }),
  i32: (value: number): GgufWriteScalar => ({ type: 'i32', value }),
  f32: (value: number): GgufWriteScalar => ({ type: 'f32', value }),
  f64: (value: number): GgufWriteScalar => ({ type: 'f64', value }),
  u64: (value: number | bigint): GgufWriteScalar => ({ type: 'u64', value }),
  i64: (value: number | bigint): GgufWriteScalar => ({ type: 'i64', value }),
  bool: (value: boolean): GgufWriteScalar => ({ type: 'bool', value }),
  str: (value: string): GgufWriteScalar => ({ type: 'str', value }),
  arr,
} as const;
