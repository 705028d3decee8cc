/** Hugging Face safetensors models (and tokenizers) → GGUF, with F32/F16/BF16/Q8_0/Q4_0 output. */
export { convertHfModel, type ConvertOptions, type ConvertResult } from './convert-hf-model.js';
export { OUTPUT_TYPES, parseOutputType, type OutputType } from './output-type.js';
export { SUPPORTED_ARCHITECTURES } from './architectures.js';
export { quantizeQ8_0 } from './quantize-q8-0.js';
export { quantizeQ4_0 } from './quantize-q4-0.js';
export { f32ToF16Bits, F16_TO_F32 } from './float-codecs.js';
export { isHfModelFolder } from './is-hf-model-folder.js';
export {
  convertPeftAdapter,
  type ConvertAdapterOptions,
  type ConvertAdapterResult,
  type LoraBase,
} from './convert-peft-adapter.js';
export { isPeftAdapterFolder, readPeftConfig, type PeftConfig } from './peft-config.js';
export { readSafetensorsHeader, type SafetensorsTensor } from './safetensors-header.js';
