/**
 * How much memory a runner needs for one model at one context size: weights + KV cache + compute buffers.
 * A pure function of GGUF metadata, so the scheduler can decide what fits before it starts a process.
 */

/** The model facts (from its GGUF metadata) and load settings the estimate needs. */
export interface MemoryEstimateInput {
  /** Bytes of tensor data (about the GGUF file size). */
  weightsBytes: number;
  /** `<arch>.block_count`. */
  nLayer: number;
  /** `<arch>.embedding_length`. */
  nEmbd: number;
  /** `<arch>.attention.head_count`. */
  nHead: number;
  /** `<arch>.attention.head_count_kv` (grouped-query attention; equals `nHead` without GQA). */
  nHeadKv: number;
  /** Context length per sequence, in tokens. */
  contextSize: number;
  /** Sequences served at once (the runner allocates `parallel × contextSize` KV cells). */
  parallel: number;
  /** Bytes per KV-cache element: 2 for the default F16 cache, 1 for Q8_0 (approximately), 4 for F32. */
  kvBytesPerElement: number;
  /** Vocabulary size, for the logits buffer; 0 or absent leaves it out. */
  vocabSize?: number;
  /** Tokens per decode batch; node-llama-cpp's default is `min(cells, 512)`. */
  batchSize?: number;
  /**
   * Whether llama.cpp uses flash attention (default true: llama.cpp's `auto` turns it on wherever the backend
   * supports it, which includes the CPU backend we measured). Without it the attention scores of a whole batch
   * against the whole cache are materialised, and that term dominates at long contexts.
   */
  flashAttention?: boolean;
  /**
   * A draft model for speculative decoding, loaded in the same runner with a context of the same size and
   * sequences: its weights, KV cache and buffers are added (the runner's base cost is counted once).
   */
  draft?: Omit<MemoryEstimateInput, 'contextSize' | 'parallel' | 'draft'>;
}

/** What a runner process costs before any model is loaded (Node.js + the llama.cpp binding), in bytes. */
export const RUNNER_BASE_BYTES = 64 * 2 ** 20;

/** llama.cpp pads the KV cache per sequence to a multiple of 256 cells (`GGML_PAD` in `llama_context`). */
const CONTEXT_PAD = 256;
const F32_BYTES = 4;

/** Activation floats per batch token and embedding unit, with flash attention (see {@link estimateMemory}). */
const FLASH_COMPUTE_FACTOR = 16;

/**
 * Estimate the bytes a runner needs:
 *
 * ```text
 * cells   = parallel × ⌈contextSize / 256⌉·256
 * batch   = batchSize ?? min(cells, 512)
 * kv      = 2 (K and V) × nLayer × cells × nEmbd × (nHeadKv / nHead) × kvBytesPerElement
 * logits  = 4 × vocabSize × max(batch, parallel)                    llama_context::output_reserve
 * compute = 4 × batch × 16 × nEmbd                                  with flash attention (default)
 *         = 4 × batch × (nEmbd + cells × nHead)                     without: f32 attention scores
 * total   = weightsBytes + kv + logits + compute + RUNNER_BASE_BYTES (+ the same terms for a draft model)
 * ```
 *
 * The KV and logits terms are exactly llama.cpp's buffers for full-attention models (node-llama-cpp's
 * `GgufInsights._estimateContextCacheMemorySplitInBytes` computes the same KV size). The compute term is an
 * allowance: the measured CPU compute buffer was 2–20 floats per batch token and embedding unit (it holds a few
 * activations of the widest layer, the feed-forward one), so 16 leaves headroom; the term without flash attention
 * is the llama-architecture formula of `GgufInsights.estimateContextResourceRequirements` (v1). Sliding-window
 * models are overestimated (their KV cache is smaller), which errs on the safe side.
 *
 * Checked against node-llama-cpp 3.22.1 (`context.memoryUsage`, which equals `GgufInsights` v2) on generated
 * llama models; the table is in `estimate-memory.test.ts`.
 */
export function estimateMemory(input: MemoryEstimateInput): number {
  const { weightsBytes, nLayer, nEmbd, nHead, nHeadKv, contextSize, parallel, kvBytesPerElement } = input;
  const cells = parallel * Math.ceil(contextSize / CONTEXT_PAD) * CONTEXT_PAD;
  const batch = input.batchSize ?? Math.min(cells, 512);
  const kvRatio = nHead > 0 ? nHeadKv / nHead : 1;
  const kv = 2 * nLayer * cells * nEmbd * kvRatio * kvBytesPerElement;
  const logits = F32_BYTES * (input.vocabSize ?? 0) * Math.max(batch, parallel);
  const compute =
    input.flashAttention === false
      ? F32_BYTES * batch * (nEmbd + cells * nHead)
      : F32_BYTES * batch * FLASH_COMPUTE_FACTOR * nEmbd;
  const draft =
    input.draft === undefined
      ? 0
      : estimateMemory({ ...input.draft, contextSize, parallel }) - RUNNER_BASE_BYTES;
  return Math.ceil(weightsBytes + kv + logits + compute + RUNNER_BASE_BYTES + draft);
}
