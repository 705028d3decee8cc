/**
 * Conversions between float32 and the 16-bit float formats safetensors and GGUF store. float16 rounding is
 * round-to-nearest-even, as numpy's `astype(np.float16)` and ggml's `GGML_FP32_TO_FP16` do, so converted files match
 * llama.cpp's converter bit for bit. bfloat16 rounding follows gguf-py `quants.BF16` (nearest-even, NaN kept quiet).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → binary16 bits, round to nearest even; overflow → ±Infinity, NaN → quiet NaN. */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const absBits = x & 0x7fffffff;
  if (absBits >= 0x7f800000) return sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0);
  if (absBits >= 0x477ff000) return sign | 0x7c00; // rounds to a value beyond the largest half (65504)
  if (absBits < 0x38800000) {
    // Below the smallest normal half: a subnormal half is value / 2^-24, rounded to nearest even, in integers.
    if (absBits < 0x00800000) return sign; // float32 subnormals are far below half precision
    const shift = 126 - (absBits >>> 23); // 14 for 2^-15, more for smaller values
    if (shift > 24) return sign;
    const m = (absBits & 0x7fffff) | 0x800000;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rem > halfway || (rem === halfway && (q & 1) === 1) ? q + 1 : q);
  }
  const mantissa = absBits & 0x7fffff;
  const exponent = (absBits >>> 23) - 112;
  const half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves into the exponent, which is the correct rounding (up to Infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

/** binary16 bits → float32 value, for all 65,536 inputs (subnormals, Infinity and NaN included). */
export const F16_TO_F32: Float32Array = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[h] = mantissa ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
})();

/** float32 bits → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0xffff) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
