/**
 * RoPE settings of a config, normalised as llama.cpp's `TextModel.__init__` does: `rope_parameters` (transformers
 * 5) or `rope_scaling`, its `full_attention` entry when per-layer-type, `type` read as `rope_type`, and `rope_theta`
 * / `original_max_position_embeddings` / `partial_rotary_factor` taken from the top level when not inside.
 */
import { findNumber, type HfConfig } from './hf-config.js';

export interface RopeParameters {
  readonly type?: string;
  readonly theta?: number;
  readonly factor?: number;
  readonly originalContext?: number;
  readonly partialRotaryFactor?: number;
  /** rope_theta of sliding-window layers (Gemma 3 `rope_local_base_freq`). */
  readonly localTheta?: number;
  /** Every other field, by its config name (llama3 frequency factors, yarn betas, longrope factors). */
  readonly raw: Readonly<Record<string, unknown>>;
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function ropeParameters(config: HfConfig): RopeParameters {
  const all = obj(config.values.rope_parameters ?? config.values.rope_scaling);
  const p = 'full_attention' in all ? obj(all.full_attention) : all;
  const type =
    typeof p.rope_type === 'string' ? p.rope_type : typeof p.type === 'string' ? p.type : undefined;
  const sliding = 'sliding_attention' in all ? num(obj(all.sliding_attention).rope_theta) : undefined;
  const out: RopeParameters = {
    raw: p,
    type,
    theta:
      num(p.rope_theta) ??
      findNumber(config, [
        'global_rope_theta',
        'rope_global_theta',
        'rope_theta_global',
        'rope_theta',
        'rotary_emb_base',
      ]),
    factor: num(p.factor),
    originalContext:
      num(p.original_max_position_embeddings) ?? findNumber(config, ['original_max_position_embeddings']),
    partialRotaryFactor:
      num(p.partial_rotary_factor) ?? findNumber(config, ['partial_rotary_factor', 'rope_pct']),
    localTheta:
      sliding ??
      findNumber(config, [
        'local_rope_theta',
        'rope_local_theta',
        'rope_theta_local',
        'swa_rope_theta',
        'rope_local_base_freq',
      ]),
  };
  return out;
}
