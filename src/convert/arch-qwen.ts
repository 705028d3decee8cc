/**
 * Qwen2/2.5 (`Qwen2ForCausalLM`: q/k/v biases) and Qwen3 (`Qwen3ForCausalLM`: per-head q/k RMS norms, `head_dim`
 * apart from hidden/heads). llama.cpp runs both with NEOX-style RoPE, so nothing is permuted: tensors map by name.
 */
import type { Architecture } from './architecture.js';
import { mapTensorName } from './tensor-names.js';
import { textMetadata } from './text-metadata.js';

function qwen(arch: 'qwen2' | 'qwen3'): Architecture {
  return {
    arch,
    metadata: (config) => textMetadata(config, arch),
    tensor(hfName) {
      if (hfName.endsWith('.rotary_emb.inv_freq')) return null;
      const mapped = mapTensorName(hfName);
      return mapped === undefined ? undefined : { name: mapped.name };
    },
    generated: () => [],
  };
}

export const qwen2Architecture = qwen('qwen2');
export const qwen3Architecture = qwen('qwen3');
