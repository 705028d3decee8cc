/**
 * Llama 2/3 and Mistral (`LlamaForCausalLM`, `MistralForCausalLM`) as llama.cpp's `LlamaModel` converts them:
 * q/k rows permuted back from HF's rotate-half layout to llama.cpp's interleaved RoPE (biases too), `vocab_size`
 * and `rope.dimension_count` keys, and a `rope_freqs` tensor for llama3 RoPE scaling.
 */
import { gguf } from '../gguf/index.js';
import type { Architecture } from './architecture.js';
import { requireNumber, findNumber } from './hf-config.js';
import { llama3RopeFreqs } from './llama3-rope-freqs.js';
import { ropeParameters } from './rope-parameters.js';
import { mapTensorName } from './tensor-names.js';
import { headDim, textMetadata } from './text-metadata.js';

export const llamaArchitecture: Architecture = {
  arch: 'llama',
  metadata(config) {
    const out = textMetadata(config, 'llama');
    out['llama.vocab_size'] = gguf.u32(requireNumber(config, ['vocab_size']));
    out['llama.rope.dimension_count'] = gguf.u32(headDim(config));
    return out;
  },
  tensor(hfName, config) {
    if (hfName.endsWith('.rotary_emb.inv_freq')) return null;
    const mapped = mapTensorName(hfName);
    if (mapped === undefined) return undefined;
    const nHead = requireNumber(config, ['num_attention_heads', 'n_heads']);
    if (mapped.module === 'self_attn.q_proj') return { name: mapped.name, permuteHeads: nHead };
    if (mapped.module === 'self_attn.k_proj')
      return {
        name: mapped.name,
        permuteHeads: findNumber(config, ['num_key_value_heads', 'n_kv_heads']) ?? nHead,
      };
    return { name: mapped.name };
  },
  generated(config) {
    const rope = ropeParameters(config);
    if (rope.type?.toLowerCase() !== 'llama3') return [];
    return [{ name: 'rope_freqs.weight', values: llama3RopeFreqs(rope, headDim(config)) }];
  },
};
