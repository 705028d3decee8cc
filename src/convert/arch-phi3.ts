/**
 * Phi-3 (`Phi3ForCausalLM`) as llama.cpp's `Phi3MiniModel` converts it: fused `qkv_proj` and `gate_up_proj` are
 * kept fused (`attn_qkv`, `ffn_up` of twice the FFN width; llama.cpp's graph splits them), partial rotary
 * dimensions, and for LongRoPE ("su"/"longrope") checkpoints the long/short frequency factor tensors.
 */
import { gguf } from '../gguf/index.js';
import type { Architecture, GeneratedTensor } from './architecture.js';
import { folderError } from './folder-error.js';
import { findNumber, requireNumber, type HfConfig } from './hf-config.js';
import { ropeParameters } from './rope-parameters.js';
import { mapTensorName } from './tensor-names.js';
import { blockCount, type Metadata } from './text-metadata.js';

function ropeDims(config: HfConfig): number {
  const rotary = ropeParameters(config).partialRotaryFactor ?? 1;
  return Math.floor(
    Math.floor(rotary * requireNumber(config, ['hidden_size'])) /
      requireNumber(config, ['num_attention_heads']),
  );
}

function originalContext(config: HfConfig): number {
  const value = ropeParameters(config).originalContext;
  if (value === undefined) throw folderError(config.path, 'Phi-3 needs original_max_position_embeddings');
  return value;
}

function metadata(config: HfConfig): Metadata {
  const n = (keys: string[]) => requireNumber(config, keys);
  const theta = ropeParameters(config).theta;
  if (theta === undefined) throw folderError(config.path, 'Phi-3 needs rope_theta');
  const out: Metadata = {
    'phi3.context_length': gguf.u32(n(['n_positions', 'max_position_embeddings'])),
    'phi3.rope.scaling.original_context_length': gguf.u32(originalContext(config)),
    'phi3.embedding_length': gguf.u32(n(['hidden_size'])),
    'phi3.feed_forward_length': gguf.u32(n(['intermediate_size'])),
    'phi3.block_count': gguf.u32(blockCount(config)),
    'phi3.attention.head_count': gguf.u32(n(['num_attention_heads'])),
    'phi3.attention.head_count_kv': gguf.u32(n(['num_key_value_heads'])),
    'phi3.attention.layer_norm_rms_epsilon': gguf.f32(n(['rms_norm_eps'])),
    'phi3.rope.dimension_count': gguf.u32(ropeDims(config)),
    'phi3.rope.freq_base': gguf.f32(theta),
    // Zero tells Phi-4 (no sliding window) apart from Phi-3 in llama.cpp.
    'phi3.attention.sliding_window': gguf.u32(findNumber(config, ['sliding_window']) ?? 0),
  };
  const attn = longRopeAttnFactor(config);
  if (attn !== undefined) out['phi3.rope.scaling.attn_factor'] = gguf.f32(attn);
  return out;
}

function longRopeAttnFactor(config: HfConfig): number | undefined {
  const rope = ropeParameters(config);
  if (!Array.isArray(rope.raw.long_factor) || rope.raw.long_factor.length === 0) return undefined;
  const orig = originalContext(config);
  const scale = requireNumber(config, ['n_positions', 'max_position_embeddings']) / orig;
  const type = rope.type?.toLowerCase() ?? '';
  if (type === 'su' || type === 'longrope')
    return scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
  if (type === 'yarn') return scale > 1 ? 0.1 * Math.log(scale) + 1 : 1;
  throw folderError(config.path, `Phi-3 rope scaling type ${JSON.stringify(rope.type)} is not supported yet`);
}

function generated(config: HfConfig): GeneratedTensor[] {
  const raw = ropeParameters(config).raw;
  const long = raw.long_factor;
  const short = raw.short_factor;
  if (!Array.isArray(long) || long.length === 0) return [];
  const half = ropeDims(config) / 2;
  if (!Array.isArray(short) || long.length !== half || short.length !== half)
    throw folderError(config.path, `rope long_factor and short_factor must each have ${half} numbers`);
  return [
    { name: 'rope_factors_long.weight', values: Float32Array.from(long as number[]) },
    { name: 'rope_factors_short.weight', values: Float32Array.from(short as number[]) },
  ];
}

export const phi3Architecture: Architecture = {
  arch: 'phi3',
  metadata,
  tensor(hfName) {
    if (hfName.endsWith('.rotary_emb.inv_freq')) return null;
    const mapped = mapTensorName(hfName);
    return mapped === undefined ? undefined : { name: mapped.name };
  },
  generated,
};
