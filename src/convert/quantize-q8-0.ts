/**
 * Q8_0 blocks exactly as ggml's `quantize_row_q8_0_ref` (ggml-quants.c) writes them: per 32 values, the scale
 * `d = max|x| / 127` as float16, then `round(x / d)` as 32 int8 (C `roundf`: halves away from zero). The arithmetic
 * is done in float32 (`Math.fround`) so every byte matches the C code and gguf-py.
 */
import { f32ToF16Bits } from './float-codecs.js';

export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

/** Quantizes `count` values of `src` (a multiple of 32) into `dst` at `dstOffset`; returns the bytes written. */
export function quantizeQ8_0(src: Float32Array, count: number, dst: Uint8Array, dstOffset = 0): number {
  let o = dstOffset;
  for (let b = 0; b < count; b += Q8_0_BLOCK) {
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const a = Math.abs(src[b + j]!);
      if (a > amax) amax = a;
    }
    const d = Math.fround(amax / 127);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    const h = f32ToF16Bits(d);
    dst[o] = h & 0xff;
    dst[o + 1] = h >>> 8;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const v = Math.fround(src[b + j]! * id);
      // roundf (halves away from zero) as truncation of v ± 0.5: exact, since a float32 plus 0.5 is exact in a
      // double. |v| <= 127 (plus float error), so the int8 cast never overflows.
      dst[o + 2 + j] = ((v < 0 ? v - 0.5 : v + 0.5) | 0) & 0xff;
    }
    o += Q8_0_BYTES;
  }
  return o - dstOffset;
}
