/** What an architecture module tells the converter: GGUF metadata, tensor mapping rules and generated tensors. */
import type { HfConfig } from './hf-config.js';
import type { Metadata } from './text-metadata.js';

/** How one source tensor becomes a GGUF tensor. */
export interface TensorRule {
  readonly name: string;
  /** Undo HF's rotate-half layout of llama q/k rows (`LlamaModel.permute`), with this many heads. */
  readonly permuteHeads?: number;
  /** Add 1 to every value (Gemma RMSNorm stores `weight - 1`). */
  readonly addOne?: boolean;
}

/** A tensor computed from config.json rather than read (llama3 `rope_freqs`, Phi-3 long/short factors). */
export interface GeneratedTensor {
  readonly name: string;
  readonly values: Float32Array;
}

export interface Architecture {
  /** `general.architecture` (`llama`, `qwen2`, …). */
  readonly arch: string;
  /** `<arch>.*` keys (general.* and tokenizer.* are added by the converter). */
  metadata(config: HfConfig): Metadata;
  /** The rule for an HF tensor: `null` to skip it, `undefined` when it is unknown (an error). */
  tensor(hfName: string, config: HfConfig): TensorRule | null | undefined;
  generated(config: HfConfig): GeneratedTensor[];
  /** Keep only as many token embedding rows as the tokenizer has tokens (Gemma 3 pads its embeddings). */
  readonly trimEmbeddingsToVocab?: boolean;
}
