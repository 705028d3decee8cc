/**
 * `adapter_config.json` of a Hugging Face PEFT LoRA adapter, read for what llama.cpp's GGUF LoRA format can hold:
 * one `adapter.lora.alpha`, with llama.cpp scaling each adapted weight by alpha / rank (`llama-adapter.h`
 * `get_scale`), as PEFT scales by `lora_alpha / r`. Variants whose scale or graph differ are refused rather than
 * converted into an adapter that computes something else.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { folderError } from './folder-error.js';
import { readJsonObject } from './hf-config.js';

/** The parts of a PEFT LoRA config the converter uses. */
export interface PeftConfig {
  readonly path: string;
  /** The `adapter.lora.alpha` to write (PEFT's `lora_alpha`, times √r for rsLoRA). */
  readonly alpha: number;
  readonly rank: number;
  /** `base_model_name_or_path`, for messages. */
  readonly baseModel?: string;
}

const CONFIG = 'adapter_config.json';

/** True when `dir` is a directory holding `adapter_config.json` or `adapter_model.safetensors`. */
export async function isPeftAdapterFolder(dir: string): Promise<boolean> {
  const [d, c, w] = await Promise.all([
    stat(dir).catch(() => undefined), // absent: not a folder
    stat(join(dir, CONFIG)).catch(() => undefined), // absent: not an adapter folder
    stat(join(dir, 'adapter_model.safetensors')).catch(() => undefined), // absent: idem
  ]);
  return d?.isDirectory() === true && (c?.isFile() === true || w?.isFile() === true);
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)
  );
}

/** Reads and checks `<dir>/adapter_config.json`; `INVALID_MODEL_FOLDER` naming the file on any problem. */
export async function readPeftConfig(dir: string): Promise<PeftConfig> {
  const path = join(dir, CONFIG);
  const raw = await readJsonObject(dir, CONFIG);
  if (raw === undefined)
    throw folderError(
      path,
      'missing (a PEFT LoRA adapter folder needs adapter_config.json beside adapter_model.safetensors)',
    );
  const type = raw.peft_type;
  if (type !== undefined && type !== 'LORA')
    throw folderError(path, `peft_type ${JSON.stringify(type)} is not supported (only LORA adapters)`);
  const rank = raw.r;
  const alpha = raw.lora_alpha;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank <= 0)
    throw folderError(path, '"r" (the LoRA rank) must be a positive integer');
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    throw folderError(path, '"lora_alpha" must be a number');
  // DoRA adds a magnitude vector, fan_in_fan_out stores transposed (Conv1D) weights, per-module alphas need a
  // second alpha: none fits llama.cpp's one-alpha A·B adapter.
  if (raw.use_dora === true) throw folderError(path, 'DoRA adapters (use_dora) are not supported');
  if (raw.fan_in_fan_out === true) throw folderError(path, 'fan_in_fan_out adapters are not supported');
  if (!isEmpty(raw.alpha_pattern))
    throw folderError(path, 'per-module lora_alpha (alpha_pattern) is not supported');
  // rsLoRA scales by alpha / √r; llama.cpp divides by r, so alpha·√r gives the same scale (one rank only).
  const rslora = raw.use_rslora === true;
  if (rslora && !isEmpty(raw.rank_pattern))
    throw folderError(path, 'rsLoRA with per-module ranks (rank_pattern) is not supported');
  const base = raw.base_model_name_or_path;
  return {
    path,
    rank,
    alpha: rslora ? alpha * Math.sqrt(rank) : alpha,
    ...(typeof base === 'string' && base !== '' ? { baseModel: base } : {}),
  };
}
