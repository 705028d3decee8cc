/**
 * GGML tensor types: ids, names, block sizes and bytes per block, as in llama.cpp `ggml/include/ggml.h`
 * (`enum ggml_type`) and gguf-py `GGML_QUANT_SIZES`. Ids that ggml dropped (Q4_2, Q4_3, the Q4_0_x_y and
 * IQ4_NL_x_y repacked types) keep their name but have no size: llama.cpp refuses them ("block size 0").
 */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ2_XXS: 16,
  IQ2_XS: 17,
  IQ3_XXS: 18,
  IQ1_S: 19,
  IQ4_NL: 20,
  IQ3_S: 21,
  IQ2_S: 22,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  IQ1_M: 29,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  MXFP4: 39,
  NVFP4: 40,
  Q1_0: 41,
  Q2_0: 42,
} as const;

/** A GGML tensor type id (see {@link GgmlType}); a plain number because files may carry ids we do not know. */
export type GgmlType = number;

/** Block geometry of a GGML type: `blockSize` elements are stored in `typeSize` bytes. */
export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
}

const QK_K = 256;

// [id, name, elements per block, bytes per block]; sizes from gguf-py `GGML_QUANT_SIZES` (constants.py).
const TABLE: ReadonlyArray<readonly [number, string, number, number]> = [
  [0, 'F32', 1, 4],
  [1, 'F16', 1, 2],
  [2, 'Q4_0', 32, 2 + 16],
  [3, 'Q4_1', 32, 2 + 2 + 16],
  [6, 'Q5_0', 32, 2 + 4 + 16],
  [7, 'Q5_1', 32, 2 + 2 + 4 + 16],
  [8, 'Q8_0', 32, 2 + 32],
  [9, 'Q8_1', 32, 2 + 2 + 32],
  [10, 'Q2_K', QK_K, 2 + 2 + QK_K / 16 + QK_K / 4],
  [11, 'Q3_K', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12],
  [12, 'Q4_K', QK_K, 2 + 2 + QK_K / 2 + 12],
  [13, 'Q5_K', QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12],
  [14, 'Q6_K', QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16],
  [15, 'Q8_K', QK_K, 4 + QK_K + QK_K / 8],
  [16, 'IQ2_XXS', QK_K, 2 + QK_K / 4],
  [17, 'IQ2_XS', QK_K, 2 + QK_K / 4 + QK_K / 32],
  [18, 'IQ3_XXS', QK_K, 2 + QK_K / 4 + QK_K / 8],
  [19, 'IQ1_S', QK_K, 2 + QK_K / 8 + QK_K / 16],
  [20, 'IQ4_NL', 32, 2 + 16],
  [21, 'IQ3_S', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4],
  [22, 'IQ2_S', QK_K, 2 + QK_K / 4 + QK_K / 16],
  [23, 'IQ4_XS', QK_K, 2 + 2 + QK_K / 2 + QK_K / 64],
  [24, 'I8', 1, 1],
  [25, 'I16', 1, 2],
  [26, 'I32', 1, 4],
  [27, 'I64', 1, 8],
  [28, 'F64', 1, 8],
  [29, 'IQ1_M', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
  [30, 'BF16', 1, 2],
  [34, 'TQ1_0', QK_K, 2 + 4 * 13],
  [35, 'TQ2_0', QK_K, 2 + 64],
  [39, 'MXFP4', 32, 1 + 16],
  [40, 'NVFP4', 64, 4 + 32],
  [41, 'Q1_0', 128, 2 + 16],
  [42, 'Q2_0', 64, 2 + 16],
];

// Ids llama.cpp once used and now refuses to load (kept so error messages can name them).
const REMOVED: Readonly<Record<number, string>> = {
  4: 'Q4_2',
  5: 'Q4_3',
  31: 'Q4_0_4_4',
  32: 'Q4_0_4_8',
  33: 'Q4_0_8_8',
  36: 'IQ4_NL_4_4',
  37: 'IQ4_NL_4_8',
  38: 'IQ4_NL_8_8',
};

const BY_ID = new Map<number, GgmlTypeInfo>(
  TABLE.map(([id, name, blockSize, typeSize]) => [id, { id, name, blockSize, typeSize }]),
);

/** Block geometry of a supported type, or `undefined` for unknown and removed ids. */
export function ggmlTypeInfo(type: number): GgmlTypeInfo | undefined {
  return BY_ID.get(type);
}

/** Name of a type id (`'Q4_K'`), also for removed ids; `undefined` when the id was never assigned. */
export function ggmlTypeName(type: number): string | undefined {
  return BY_ID.get(type)?.name ?? REMOVED[type];
}

/** Number of elements of a tensor with these dims (product; 1 for a scalar with no dims). */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, d) => product * d, 1);
}

/**
 * Bytes taken by a tensor of `type` and `dims` (innermost first), or `undefined` when the type is not supported
 * or the row length `dims[0]` is not a whole number of blocks (ggml requires `ne[0] % block_size == 0`).
 */
export function tensorByteSize(type: number, dims: readonly number[]): number | undefined {
  const info = BY_ID.get(type);
  if (info === undefined) return undefined;
  const rowLength = dims[0] ?? 1;
  if (rowLength % info.blockSize !== 0) return undefined;
  return (elementCount(dims) / info.blockSize) * info.typeSize;
}
