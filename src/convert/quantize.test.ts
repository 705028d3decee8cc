import { describe, expect, it } from 'vitest';
import { F16_TO_F32, f32BitsToBf16, f32ToF16Bits } from './float-codecs.js';
import { permuteRows } from './permute-rows.js';
import { quantizeQ4_0 } from './quantize-q4-0.js';
import { quantizeQ8_0 } from './quantize-q8-0.js';

// One block of the values -16, -15, …, 15.
const ramp = Float32Array.from({ length: 32 }, (_, j) => j - 16);

describe('Q8_0 blocks (ggml quantize_row_q8_0_ref)', () => {
  it('encodes -16..15: d = 16/127 → f16 0x3008, q = roundf(x · 127/16) with halves away from zero', () => {
    const out = new Uint8Array(34);
    expect(quantizeQ8_0(ramp, 32, out)).toBe(34);
    expect([out[0], out[1]]).toEqual([0x08, 0x30]);
    // Worked by hand: 1/d = 7.9375 exactly in float32; -8 · 7.9375 = -63.5 → -64, 8 · 7.9375 = 63.5 → 64.
    const q = [
      -127, -119, -111, -103, -95, -87, -79, -71, -64, -56, -48, -40, -32, -24, -16, -8, 0, 8, 16, 24, 32, 40,
      48, 56, 64, 71, 79, 87, 95, 103, 111, 119,
    ];
    expect([...new Int8Array(out.buffer, 2, 32)]).toEqual(q);
  });

  it('encodes an all-zero block as zero scale and zero quants', () => {
    const out = new Uint8Array(68).fill(0xff);
    quantizeQ8_0(new Float32Array(64), 64, out);
    expect([...out]).toEqual(new Array(68).fill(0));
  });

  it('dequantizes within half a step of every value', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    const out = new Uint8Array(8 * 34);
    quantizeQ8_0(x, 256, out);
    for (let b = 0; b < 8; b++) {
      const d = F16_TO_F32[out[b * 34]! | (out[b * 34 + 1]! << 8)]!;
      const q = new Int8Array(out.buffer, b * 34 + 2, 32);
      for (let j = 0; j < 32; j++)
        expect(Math.abs(q[j]! * d - x[b * 32 + j]!)).toBeLessThanOrEqual(d * 0.51 + 1e-3);
    }
  });
});

describe('Q4_0 blocks (ggml quantize_row_q4_0_ref)', () => {
  it('encodes -16..15: max = -16, d = 2 (f16 0x4000), q = min(15, trunc(x/2 + 8.5)), x_j low nibble, x_j+16 high', () => {
    const out = new Uint8Array(18);
    expect(quantizeQ4_0(ramp, 32, out)).toBe(18);
    expect([out[0], out[1]]).toEqual([0x00, 0x40]);
    // Byte k: low = floor((k + 1) / 2), high = min(15, floor((k + 17) / 2)), worked by hand.
    const want = [
      0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8,
    ];
    expect([...out.subarray(2)]).toEqual(want);
  });

  it('takes the first value of largest magnitude as max (sign matters): 3 and -3 → d = -0.375', () => {
    const x = new Float32Array(32);
    x[0] = 3;
    x[1] = -3;
    const out = new Uint8Array(18);
    quantizeQ4_0(x, 32, out);
    expect(F16_TO_F32[out[0]! | (out[1]! << 8)]).toBe(-0.375);
    // x0: 3 / -0.375 + 8.5 = 0.5 → 0; x1: -3 / -0.375 + 8.5 = 16.5 → 15 (clamped); zeros → 8.
    expect(out[2]! & 0xf).toBe(0);
    expect(out[3]! & 0xf).toBe(15);
    expect(out[4]).toBe(0x88);
  });

  it('encodes an all-zero block as scale -0 (0 / -8, f16 0x8000, as ggml) and quants 8', () => {
    const out = new Uint8Array(18);
    quantizeQ4_0(new Float32Array(32), 32, out);
    expect([...out]).toEqual([0x00, 0x80, ...new Array(16).fill(0x88)]);
  });
});

describe('float conversions', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // ties to even rounds up to Infinity
    [1 + 2 ** -11, 0x3c00], // exact tie below: even mantissa stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie above an odd mantissa: rounds up to even
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // tie to even (zero)
    [3 * 2 ** -25, 0x0002],
    [0.1, 0x2e66],
  ])('f16(%d) = %s', (value, bits) => expect(f32ToF16Bits(value)).toBe(bits));

  it('bf16 rounds to nearest even and keeps NaN a NaN', () => {
    expect(f32BitsToBf16(0x3f800000)).toBe(0x3f80);
    expect(f32BitsToBf16(0x3f808000)).toBe(0x3f80); // tie, even stays
    expect(f32BitsToBf16(0x3f818000)).toBe(0x3f82); // tie, odd rounds up
    expect(f32BitsToBf16(0x7fc00001) & 0x7fc0).toBe(0x7fc0);
  });
});

describe('permuteRows (llama.cpp LlamaModel.permute)', () => {
  it('interleaves the two halves of each head: rows [r0 r1 r2 r3 | r4 r5 r6 r7] → [r0 r2 r1 r3 | r4 r6 r5 r7]', () => {
    const src = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const dst = new Uint8Array(8);
    permuteRows(src, dst, 8, 1, 4);
    expect([...dst]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
  });
});
