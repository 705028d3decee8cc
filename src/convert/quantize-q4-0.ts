/**
 * Q4_0 blocks exactly as ggml's `quantize_row_q4_0_ref` (ggml-quants.c) writes them: per 32 values, the value of
 * largest magnitude `max` (first one on ties) gives `d = max / -8` (float16), and each value becomes
 * `min(15, trunc(x / d + 8.5))`; value j goes to the low nibble of byte j, value j + 16 to its high nibble.
 * Arithmetic in float32 (`Math.fround`), as the C code, so bytes match.
 */
import { f32ToF16Bits } from './float-codecs.js';

export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

function nibble(x: number, id: number): number {
  const v = Math.fround(Math.fround(x * id) + 8.5);
  return Math.min(15, Math.trunc(v)); // C casts to int8_t (truncation toward zero); v >= 0 here
}

/** Quantizes `count` values of `src` (a multiple of 32) into `dst` at `dstOffset`; returns the bytes written. */
export function quantizeQ4_0(src: Float32Array, count: number, dst: Uint8Array, dstOffset = 0): number {
  let o = dstOffset;
  for (let b = 0; b < count; b += Q4_0_BLOCK) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < Q4_0_BLOCK; j++) {
      const v = src[b + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    const h = f32ToF16Bits(d);
    dst[o] = h & 0xff;
    dst[o + 1] = h >>> 8;
    for (let j = 0; j < Q4_0_BLOCK / 2; j++)
      dst[o + 2 + j] = nibble(src[b + j]!, id) | (nibble(src[b + Q4_0_BLOCK / 2 + j]!, id) << 4);
    o += Q4_0_BYTES;
  }
  return o - dstOffset;
}
