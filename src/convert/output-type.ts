/**
 * Output types of the converter and the per-tensor type rules. Follows convert_hf_to_gguf's `prepare_tensors`:
 * 1-D tensors, `*_norm.weight` and anything not named `.weight` (biases) stay F32; other matrices take the output
 * type, falling back to F16 when a row is not a whole number of quantization blocks. For Q4_0, which only
 * llama-quantize makes, the output matrix (or the token embeddings when they double as output) is Q8_0:
 * llama-quantize would pick Q6_K there (Q8_0 when rows are not multiples of 256), which we do not write.
 */
import { GgmlType } from '../gguf/index.js';

export const OUTPUT_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

/** `general.file_type` (llama_ftype) of each output type. */
export const OUTPUT_FILE_TYPE: Readonly<Record<OutputType, number>> = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 7,
  BF16: 32,
};

const GGML: Readonly<Record<OutputType, number>> = {
  F32: GgmlType.F32,
  F16: GgmlType.F16,
  BF16: GgmlType.BF16,
  Q8_0: GgmlType.Q8_0,
  Q4_0: GgmlType.Q4_0,
};

/** The output type named by `value` (`q8_0`, `F16`, case-insensitive), or `undefined`. */
export function parseOutputType(value: string): OutputType | undefined {
  const upper = value.trim().toUpperCase();
  return OUTPUT_TYPES.find((t) => t === upper);
}

/**
 * The GGML type of tensor `name` with GGUF `dims` (innermost first) in a file of output type `out`. `isOutput` is
 * true for `output.weight`, and for `token_embd.weight` when the model has no separate output matrix.
 */
export function tensorTypeFor(
  name: string,
  dims: readonly number[],
  out: OutputType,
  isOutput: boolean,
): number {
  if (dims.length <= 1 || name.endsWith('_norm.weight') || !name.endsWith('.weight')) return GgmlType.F32;
  const quantized = out === 'Q8_0' || out === 'Q4_0';
  if (quantized && dims[0]! % 32 !== 0) return GgmlType.F16;
  if (out === 'Q4_0' && isOutput) return GgmlType.Q8_0;
  return GGML[out];
}
