/**
 * Model parameters (`PARAMETER key value` in a Modelfile, the `params` layer on disk). The table follows
 * Ollama's `api.Options` and `api.Runner` (json tags and Go field types), including the options Ollama now
 * deprecates but still accepts, so Modelfiles written for Ollama parse here too.
 */
import { z } from 'zod';

/** A parameter's value: stored JSON is a number, a boolean, or (for `stop`) a list of strings. */
export type ParamValue = number | boolean | string | string[];

/** Parameters as stored in the params layer. */
export type Parameters = Record<string, ParamValue>;

type ParamType = 'int' | 'float' | 'bool' | 'string' | 'strings';

/** Every known parameter and its type. */
export const PARAMETER_TYPES: Readonly<Record<string, ParamType>> = {
  // sampling (api.Options)
  num_keep: 'int',
  seed: 'int',
  num_predict: 'int',
  top_k: 'int',
  top_p: 'float',
  min_p: 'float',
  typical_p: 'float',
  repeat_last_n: 'int',
  temperature: 'float',
  repeat_penalty: 'float',
  presence_penalty: 'float',
  frequency_penalty: 'float',
  stop: 'strings',
  tfs_z: 'float',
  mirostat: 'int',
  mirostat_tau: 'float',
  mirostat_eta: 'float',
  penalize_newline: 'bool',
  // load-time (api.Runner)
  num_ctx: 'int',
  num_batch: 'int',
  num_gpu: 'int',
  main_gpu: 'int',
  num_thread: 'int',
  use_mmap: 'bool',
  use_mlock: 'bool',
  numa: 'bool',
  low_vram: 'bool',
  f16_kv: 'bool',
  logits_all: 'bool',
  vocab_only: 'bool',
  // Corral: speculative decoding (docs/api.md); Ollama has no equivalent and ignores unknown parameters.
  draft_model: 'string',
  draft_p_min: 'float',
};

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Go's strconv.ParseBool, which Ollama uses.
const BOOLS: Record<string, boolean> = { '1': true, t: true, T: true, true: true, TRUE: true, True: true };
for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) BOOLS[f] = false;

/** True when `key` is a known parameter. */
export function isKnownParameter(key: string): boolean {
  return Object.hasOwn(PARAMETER_TYPES, key);
}

/**
 * Convert one textual value to its typed form. Throws an `Error` whose message says what was expected; the
 * Modelfile parser prefixes it with the line and column.
 */
export function parseParameterValue(key: string, raw: string): number | boolean | string {
  const type = PARAMETER_TYPES[key];
  if (type === undefined) throw new Error(`unknown parameter "${key}"`);
  const bad = (what: string): Error =>
    new Error(`invalid value ${JSON.stringify(raw)} for parameter ${key} (expected ${what})`);
  switch (type) {
    case 'int': {
      if (!INT.test(raw) || !Number.isSafeInteger(Number(raw))) throw bad('an integer');
      return Number(raw);
    }
    case 'float': {
      const n = Number(raw);
      if (!FLOAT.test(raw) || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'bool': {
      const b = BOOLS[raw];
      if (b === undefined) throw bad('true or false');
      return b;
    }
    case 'string':
    case 'strings':
      return raw;
  }
}

/** Add one typed value to a parameter set: `stop` accumulates, others replace. */
export function addParameter(params: Parameters, key: string, value: number | boolean | string): void {
  if (PARAMETER_TYPES[key] === 'strings') {
    const list = params[key];
    params[key] = Array.isArray(list) ? [...list, String(value)] : [String(value)];
  } else {
    params[key] = value;
  }
}

/** Schema for a params layer read from disk (untrusted; unknown keys from newer Ollama versions are kept). */
export const parametersSchema = z.record(
  z.string(),
  z.union([z.number(), z.boolean(), z.string(), z.array(z.string())]),
);

/** `[key, value]` pairs for rendering, keys sorted, one pair per `stop` entry (as Ollama renders them). */
export function parameterEntries(params: Parameters): Array<[string, number | boolean | string]> {
  const out: Array<[string, number | boolean | string]> = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key] as ParamValue;
    if (Array.isArray(value)) for (const v of value) out.push([key, v]);
    else out.push([key, value]);
  }
  return out;
}

/**
 * The `parameters` text block of `/api/show`: one `key value` line per value, the key padded to 30 columns and
 * the value in Go `%#v` form (strings quoted), as Ollama prints it.
 */
export function formatParametersText(params: Parameters): string {
  return parameterEntries(params)
    .map(([k, v]) => `${k.padEnd(30)} ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}
