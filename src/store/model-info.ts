/**
 * GGUF metadata in the form of `/api/show`'s `model_info` (Ollama `server/routes.go` `GetModelInfo`):
 * every metadata key, plus the computed `general.parameter_count`, minus `general.name` and
 * `tokenizer.chat_template` (shown as the template instead). Arrays longer than {@link MAX_SHOWN_ARRAY} are
 * `null` unless `verbose` (Ollama decodes them only up to 1024 items by default, so tokens and merges show as
 * `null`). 64-bit integers become JSON numbers.
 */
import type { GgufFile, GgufValue, ModelDetails } from '../gguf/index.js';

/** Arrays up to this many items are shown without `verbose`. */
export const MAX_SHOWN_ARRAY = 1024;

const HIDDEN = new Set(['general.name', 'tokenizer.chat_template']);

/** Build `model_info` from a parsed GGUF file and its description. */
export function modelInfoOf(
  file: GgufFile,
  described: ModelDetails,
  verbose = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(file.metadata).sort()) {
    if (HIDDEN.has(key)) continue;
    const value = file.metadata[key] as GgufValue;
    out[key] = Array.isArray(value) && !verbose && value.length > MAX_SHOWN_ARRAY ? null : toJson(value);
  }
  out['general.parameter_count'] = described.parameterCount;
  return out;
}

function toJson(value: GgufValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}
