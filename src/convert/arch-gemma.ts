/**
 * Gemma 2 and Gemma 3 text models (`Gemma2ForCausalLM`, `Gemma3ForCausalLM`) as llama.cpp's `Gemma2Model` /
 * `Gemma3Model` convert them: HF's Gemma RMSNorm multiplies by `1 + weight`, so every norm weight gets +1;
 * four norms per block (post-attention and post-FFN norms are separate tensors); embeddings are always tied (the
 * `sqrt(hidden)` embedding scale is in llama.cpp's graph, not in the weights). Gemma 3 drops embedding rows beyond
 * the tokenizer's vocabulary.
 */
import { gguf } from '../gguf/index.js';
import type { Architecture } from './architecture.js';
import { folderError } from './folder-error.js';
import { findNumber, requireNumber, type HfConfig } from './hf-config.js';
import { ropeParameters } from './rope-parameters.js';
import { mapTensorName } from './tensor-names.js';
import { blockCount, textMetadata, type Metadata } from './text-metadata.js';

const GEMMA_NORMS: Readonly<Record<string, string>> = {
  post_attention_layernorm: 'post_attention_norm',
  pre_feedforward_layernorm: 'ffn_norm',
  post_feedforward_layernorm: 'post_ffw_norm',
};

function gemmaTensor(hfName: string, skipLmHead: boolean) {
  if (hfName.endsWith('.rotary_emb.inv_freq')) return null;
  if (skipLmHead && hfName === 'lm_head.weight') return null; // tied: llama.cpp reuses token_embd
  const mapped = mapTensorName(hfName, GEMMA_NORMS);
  if (mapped === undefined) return undefined;
  return { name: mapped.name, addOne: hfName.endsWith('norm.weight') };
}

function gemma2Metadata(config: HfConfig): Metadata {
  const n = (keys: string[]) => requireNumber(config, keys);
  const nHead = n(['num_attention_heads']);
  return {
    'gemma2.context_length': gguf.u32(n(['max_position_embeddings'])),
    'gemma2.embedding_length': gguf.u32(n(['hidden_size'])),
    'gemma2.block_count': gguf.u32(blockCount(config)),
    'gemma2.feed_forward_length': gguf.u32(n(['intermediate_size'])),
    'gemma2.attention.head_count': gguf.u32(nHead),
    'gemma2.attention.head_count_kv': gguf.u32(findNumber(config, ['num_key_value_heads']) ?? nHead),
    'gemma2.attention.layer_norm_rms_epsilon': gguf.f32(n(['rms_norm_eps'])),
    'gemma2.attention.key_length': gguf.u32(n(['head_dim'])),
    'gemma2.attention.value_length': gguf.u32(n(['head_dim'])),
    'gemma2.attn_logit_softcapping': gguf.f32(n(['attn_logit_softcapping'])),
    'gemma2.final_logit_softcapping': gguf.f32(n(['final_logit_softcapping'])),
    'gemma2.attention.sliding_window': gguf.u32(n(['sliding_window'])),
  };
}

function gemma3Metadata(config: HfConfig): Metadata {
  const out = textMetadata(config, 'gemma3');
  const v = config.values;
  if (v.attn_logit_softcapping !== undefined && v.attn_logit_softcapping !== null)
    throw folderError(config.path, 'Gemma 3 has no attn_logit_softcapping; this config sets one');
  const num = (keys: string[], fallback: number) => findNumber(config, keys) ?? fallback;
  const headDim = num(['head_dim'], 256);
  Object.assign(out, {
    'gemma3.context_length': gguf.u32(num(['max_position_embeddings'], 131072)),
    'gemma3.attention.head_count': gguf.u32(num(['num_attention_heads'], 8)),
    'gemma3.attention.layer_norm_rms_epsilon': gguf.f32(num(['rms_norm_eps'], 1e-6)),
    'gemma3.attention.key_length': gguf.u32(headDim),
    'gemma3.attention.value_length': gguf.u32(headDim),
    'gemma3.rope.freq_base': gguf.f32(ropeParameters(config).theta ?? 1_000_000),
    'gemma3.attention.head_count_kv': gguf.u32(num(['num_key_value_heads'], 4)),
  });
  const softcap = findNumber(config, ['final_logit_softcapping']);
  if (softcap) out['gemma3.final_logit_softcapping'] = gguf.f32(softcap);
  if (v.sliding_window_pattern !== 1)
    out['gemma3.attention.sliding_window'] = gguf.u32(requireNumber(config, ['sliding_window']));
  return out;
}

export const gemma2Architecture: Architecture = {
  arch: 'gemma2',
  metadata: gemma2Metadata,
  tensor: (hfName) => gemmaTensor(hfName, true),
  generated: () => [],
};

export const gemma3Architecture: Architecture = {
  arch: 'gemma3',
  metadata: gemma3Metadata,
  tensor: (hfName) => gemmaTensor(hfName, false),
  generated: () => [],
  trimEmbeddingsToVocab: true,
};
