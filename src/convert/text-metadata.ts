/**
 * The `<arch>.*` hyper-parameter keys every text model gets, as llama.cpp's `TextModel.set_gguf_parameters` writes
 * them from config.json (block count, context, widths, heads, RoPE base and scaling, norm epsilon, head size).
 * Architecture modules add or override keys afterwards.
 */
import { gguf, type GgufWriteValue } from '../gguf/index.js';
import { folderError } from './folder-error.js';
import { findNumber, requireNumber, type HfConfig } from './hf-config.js';
import { ropeParameters } from './rope-parameters.js';

export type Metadata = Record<string, GgufWriteValue>;

/** Number of transformer blocks. */
export function blockCount(config: HfConfig): number {
  return requireNumber(config, ['n_layers', 'num_hidden_layers', 'n_layer', 'num_layers']);
}

/** RoPE scaling keys (linear, yarn, longrope); llama3 scaling is a tensor (`rope_freqs`), dynamic is ignored. */
function ropeScaling(config: HfConfig, arch: string, out: Metadata): void {
  const rope = ropeParameters(config);
  if (rope.type === undefined) return;
  const key = (k: string) => `${arch}.rope.scaling.${k}`;
  const f = (k: string) => {
    const v = rope.raw[k];
    return typeof v === 'number' ? v : undefined;
  };
  if (rope.type === 'linear' && rope.factor !== undefined) {
    out[key('type')] = gguf.str('linear');
    out[key('factor')] = gguf.f32(rope.factor);
  } else if (rope.type === 'yarn' && rope.factor !== undefined) {
    if (rope.originalContext === undefined)
      throw folderError(config.path, 'yarn rope scaling needs original_max_position_embeddings');
    out[key('type')] = gguf.str('yarn');
    out[key('factor')] = gguf.f32(rope.factor);
    out[key('original_context_length')] = gguf.u32(rope.originalContext);
    const extra: [string, number | undefined][] = [
      ['yarn_ext_factor', f('extrapolation_factor')],
      ['yarn_attn_factor', f('attention_factor') ?? f('attn_factor')],
      ['yarn_beta_fast', f('beta_fast')],
      ['yarn_beta_slow', f('beta_slow')],
    ];
    for (const [k, v] of extra) if (v !== undefined) out[key(k)] = gguf.f32(v);
  } else if (rope.type === 'su' || rope.type === 'longrope') {
    out[key('type')] = gguf.str('longrope');
  } else if (rope.type !== 'llama3' && rope.type !== 'dynamic' && rope.type !== 'default') {
    throw folderError(config.path, `rope scaling type ${JSON.stringify(rope.type)} is not supported yet`);
  }
}

/** The keys `TextModel.set_gguf_parameters` writes for `arch`. */
export function textMetadata(config: HfConfig, arch: string): Metadata {
  const out: Metadata = {};
  const u32 = (key: string, keys: string[]) => {
    const v = findNumber(config, keys);
    if (v !== undefined) out[`${arch}.${key}`] = gguf.u32(v);
  };
  out[`${arch}.block_count`] = gguf.u32(blockCount(config));
  u32('context_length', [
    'max_position_embeddings',
    'n_ctx',
    'n_positions',
    'max_length',
    'max_sequence_length',
  ]);
  u32('embedding_length', ['hidden_size', 'n_embd', 'dim']);
  u32('feed_forward_length', ['intermediate_size', 'n_inner', 'hidden_dim']);
  u32('attention.head_count', ['num_attention_heads', 'n_head', 'n_heads']);
  u32('attention.head_count_kv', ['num_key_value_heads', 'n_kv_heads']);
  ropeScaling(config, arch, out);
  const rope = ropeParameters(config);
  if (rope.theta !== undefined) out[`${arch}.rope.freq_base`] = gguf.f32(rope.theta);
  if (rope.localTheta !== undefined) out[`${arch}.rope.freq_base_swa`] = gguf.f32(rope.localTheta);
  const rmsEps = findNumber(config, ['rms_norm_eps', 'norm_eps']);
  if (rmsEps !== undefined) out[`${arch}.attention.layer_norm_rms_epsilon`] = gguf.f32(rmsEps);
  const headDim = findNumber(config, ['head_dim']);
  if (headDim !== undefined) {
    out[`${arch}.attention.key_length`] = gguf.u32(headDim);
    out[`${arch}.attention.value_length`] = gguf.u32(headDim);
  }
  return out;
}

/** Per-head size: `head_dim`, else `hidden_size / num_attention_heads`. */
export function headDim(config: HfConfig): number {
  return (
    findNumber(config, ['head_dim']) ??
    requireNumber(config, ['hidden_size']) / requireNumber(config, ['num_attention_heads'])
  );
}
