/**
 * Hugging Face → GGUF tensor names for decoder-only text models, as gguf-py `tensor_mapping.py` maps them
 * (`model.layers.N.self_attn.q_proj.weight` → `blk.N.attn_q.weight`). Architectures pass overrides for the few
 * names whose meaning differs (Gemma's four norms per block).
 */

const TOP: Readonly<Record<string, string>> = {
  'model.embed_tokens': 'token_embd',
  'model.norm': 'output_norm',
  lm_head: 'output',
};

const BLOCK: Readonly<Record<string, string>> = {
  input_layernorm: 'attn_norm',
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'self_attn.qkv_proj': 'attn_qkv',
  'self_attn.q_norm': 'attn_q_norm',
  'self_attn.k_norm': 'attn_k_norm',
  post_attention_layernorm: 'ffn_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
  'mlp.gate_up_proj': 'ffn_up', // Phi-3: fused gate and up, split by llama.cpp's graph
};

/** A mapped name: the GGUF name, and the HF module (`self_attn.q_proj`) it came from. */
export interface MappedName {
  readonly name: string;
  readonly module: string;
  readonly suffix: 'weight' | 'bias';
}

/** The GGUF name of an HF tensor, or `undefined` when it is not a known text-model tensor. */
export function mapTensorName(
  hfName: string,
  blockOverrides: Readonly<Record<string, string>> = {},
): MappedName | undefined {
  const m = /^(.+)\.(weight|bias)$/.exec(hfName);
  if (m === null) return undefined;
  const [, base, suffix] = m as unknown as [string, string, 'weight' | 'bias'];
  const top = TOP[base];
  if (top !== undefined) return { name: `${top}.${suffix}`, module: base, suffix };
  const block = /^model\.layers\.(\d+)\.(.+)$/.exec(base);
  if (block === null) return undefined;
  const [, n, module] = block as unknown as [string, string, string];
  const mapped = blockOverrides[module] ?? BLOCK[module];
  return mapped === undefined ? undefined : { name: `blk.${n}.${mapped}.${suffix}`, module, suffix };
}
