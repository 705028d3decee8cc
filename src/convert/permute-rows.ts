/**
 * llama.cpp's `LlamaModel.permute` (convert_hf_to_gguf) on rows of raw bytes: HF stores each head's q/k rows as
 * [first halves of the rotary pairs…, second halves…] (rotate-half RoPE); llama.cpp's llama graph wants the pairs
 * interleaved. Within each group of `group` rows (one head), output row 2i + j is input row j·group/2 + i.
 */
export function permuteRows(
  src: Uint8Array,
  dst: Uint8Array,
  rows: number,
  rowBytes: number,
  group: number,
): void {
  const half = group / 2;
  for (let h = 0; h < rows; h += group)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) {
        const from = (h + j * half + i) * rowBytes;
        dst.set(src.subarray(from, from + rowBytes), (h + 2 * i + j) * rowBytes);
      }
}
