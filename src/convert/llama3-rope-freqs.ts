/**
 * Llama 3.1+ "llama3" RoPE scaling: llama.cpp has no metadata for it and instead reads per-dimension frequency
 * factors from a `rope_freqs` tensor, computed as `LlamaModel.generate_extra_tensors` does (convert_hf_to_gguf):
 * high-frequency dimensions keep 1, low-frequency ones get `factor`, those between are interpolated smoothly.
 */
import type { RopeParameters } from './rope-parameters.js';

export function llama3RopeFreqs(rope: RopeParameters, headDim: number): Float32Array {
  const r = rope.raw;
  const n = (k: string, fallback: number) => {
    const v = r[k];
    return typeof v === 'number' ? v : fallback;
  };
  const base = rope.theta ?? 10000;
  const factor = n('factor', 8);
  const lowFreqFactor = n('low_freq_factor', 1);
  const highFreqFactor = n('high_freq_factor', 4);
  const oldContext = rope.originalContext ?? 8192;
  const lowFreqWavelen = oldContext / lowFreqFactor;
  const highFreqWavelen = oldContext / highFreqFactor;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    // torch computes the frequencies in float32: base ** (2i / dim), then 1 / that.
    const freq = Math.fround(1 / Math.fround(base ** Math.fround((2 * i) / headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) out[i] = 1;
    else if (wavelen > lowFreqWavelen) out[i] = factor;
    else {
      const smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}
