/** The model classes (`config.json` `architectures[0]`) the converter supports, and the error for the rest. */
import { gemma2Architecture, gemma3Architecture } from './arch-gemma.js';
import { llamaArchitecture } from './arch-llama.js';
import { phi3Architecture } from './arch-phi3.js';
import { qwen2Architecture, qwen3Architecture } from './arch-qwen.js';
import type { Architecture } from './architecture.js';
import { folderError } from './folder-error.js';
import { hfArchitecture, type HfConfig } from './hf-config.js';

const SUPPORTED: Readonly<Record<string, Architecture>> = {
  LlamaForCausalLM: llamaArchitecture,
  MistralForCausalLM: llamaArchitecture,
  Qwen2ForCausalLM: qwen2Architecture,
  Qwen3ForCausalLM: qwen3Architecture,
  Gemma2ForCausalLM: gemma2Architecture,
  Gemma3ForCausalLM: gemma3Architecture,
  Phi3ForCausalLM: phi3Architecture,
};

/** HF class names the converter knows. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(SUPPORTED);

/** The architecture module for a config; `INVALID_MODEL_FOLDER` naming the class when it is not supported. */
export function architectureFor(config: HfConfig): Architecture {
  const name = hfArchitecture(config);
  const found = SUPPORTED[name];
  if (found === undefined)
    throw folderError(
      config.path,
      `architecture ${name} is not supported yet (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
    );
  return found;
}

/** The architecture module whose GGUF `general.architecture` is `name` (a LoRA's base model), or `undefined`. */
export function architectureForGguf(name: string): Architecture | undefined {
  return Object.values(SUPPORTED).find((a) => a.arch === name);
}
