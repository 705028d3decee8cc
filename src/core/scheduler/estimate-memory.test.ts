import { describe, expect, it } from 'vitest';
import { estimateMemory, RUNNER_BASE_BYTES, type MemoryEstimateInput } from './estimate-memory.js';

const MiB = 2 ** 20;
// A 7B-class llama shape (Llama 2 7B: 32 layers, 4096 wide, 32 heads, no GQA) and a GQA one (Llama 3 8B).
const llama2: Omit<MemoryEstimateInput, 'contextSize' | 'parallel'> = {
  weightsBytes: 0,
  nLayer: 32,
  nEmbd: 4096,
  nHead: 32,
  nHeadKv: 32,
  kvBytesPerElement: 2,
  batchSize: 0,
};

describe('estimateMemory', () => {
  // KV cache only (batch 0 removes the compute and logits terms): 2 · n_layer · cells · n_embd · kv/heads · bytes.
  it.each([
    {
      name: 'llama2 7B, 4096 ctx, F16',
      input: { ...llama2, contextSize: 4096, parallel: 1 },
      kv: 2048 * MiB,
    },
    { name: 'llama2 7B, 2048 ctx × 4', input: { ...llama2, contextSize: 2048, parallel: 4 }, kv: 4096 * MiB },
    {
      name: 'GQA 8/32 quarters the cache',
      input: { ...llama2, nHeadKv: 8, contextSize: 4096, parallel: 1 },
      kv: 512 * MiB,
    },
    {
      name: 'Q8 cache: 1 byte per element',
      input: { ...llama2, kvBytesPerElement: 1, contextSize: 4096, parallel: 1 },
      kv: 1024 * MiB,
    },
    {
      name: 'context padded up to 256',
      input: { ...llama2, contextSize: 4000, parallel: 1 },
      kv: 2048 * MiB,
    },
    { name: 'context 1 pads to 256', input: { ...llama2, contextSize: 1, parallel: 1 }, kv: 128 * MiB },
  ])('$name', ({ input, kv }) => {
    expect(estimateMemory(input)).toBe(kv + RUNNER_BASE_BYTES);
  });

  it('adds the weights, the logits buffer and the compute allowance', () => {
    const base = { ...llama2, batchSize: undefined, contextSize: 4096, parallel: 1 };
    const kv = 2048 * MiB;
    const compute = 4 * 512 * 16 * 4096; // 128 MiB with flash attention
    expect(estimateMemory({ ...base, weightsBytes: 3e9 })).toBe(3e9 + kv + compute + RUNNER_BASE_BYTES);
    const logits = 4 * 32_000 * 512;
    expect(estimateMemory({ ...base, vocabSize: 32_000 })).toBe(kv + compute + logits + RUNNER_BASE_BYTES);
  });

  it('without flash attention counts the f32 attention scores of a batch against the whole cache', () => {
    const input = { ...llama2, batchSize: undefined, contextSize: 4096, parallel: 1, flashAttention: false };
    const scores = 4 * 512 * (4096 + 4096 * 32); // 256 MiB + 8 MiB, as GgufInsights v1 gives for llama
    expect(estimateMemory(input)).toBe(2048 * MiB + scores + RUNNER_BASE_BYTES);
  });

  it('adds a draft model at the same context size and parallelism, the runner base counted once', () => {
    const input = { ...llama2, weightsBytes: 3e9, contextSize: 2048, parallel: 2 };
    const draft = { ...llama2, weightsBytes: 2e8, nLayer: 4 };
    const alone = estimateMemory({ ...draft, contextSize: 2048, parallel: 2 });
    expect(alone).toBe(2e8 + 2 * 4 * 4096 * 4096 * 2 + RUNNER_BASE_BYTES); // weights + KV of 4096 cells
    expect(estimateMemory({ ...input, draft })).toBe(estimateMemory(input) + alone - RUNNER_BASE_BYTES);
  });

  it('grows monotonically with context and parallelism', () => {
    const at = (contextSize: number, parallel: number): number =>
      estimateMemory({ ...llama2, batchSize: undefined, vocabSize: 32_000, contextSize, parallel });
    expect(at(2048, 1)).toBeLessThan(at(4096, 1));
    expect(at(2048, 1)).toBeLessThan(at(2048, 2));
  });

  // Context memory (everything but the weights and the process base) of node-llama-cpp 3.22.1 on the CPU build:
  // `context.memoryUsage.ram` (equal to GgufInsights v2) for generated llama models, layers/width/heads/kv-heads/vocab.
  // The estimate stays within +30 MiB / -5 MiB of it; the process base (64 MiB) covers the shortfall.
  it.each([
    { shape: [3, 1024, 16, 8, 32000], ctx: 300, seq: 1, measuredMiB: 69.5 },
    { shape: [3, 1024, 16, 8, 32000], ctx: 2048, seq: 4, measuredMiB: 114.5 },
    { shape: [4, 512, 8, 8, 8000], ctx: 2048, seq: 1, measuredMiB: 46.0 },
    { shape: [4, 512, 8, 8, 8000], ctx: 8192, seq: 1, measuredMiB: 100.0 },
    { shape: [6, 768, 12, 4, 16000], ctx: 2048, seq: 4, measuredMiB: 82.3 },
  ])('is close to node-llama-cpp for $shape at $ctx × $seq', ({ shape, ctx, seq, measuredMiB }) => {
    const [nLayer, nEmbd, nHead, nHeadKv, vocabSize] = shape as [number, number, number, number, number];
    const estimate = estimateMemory({
      weightsBytes: 0,
      nLayer,
      nEmbd,
      nHead,
      nHeadKv,
      vocabSize,
      contextSize: ctx,
      parallel: seq,
      kvBytesPerElement: 2,
    });
    const contextMiB = (estimate - RUNNER_BASE_BYTES) / MiB;
    expect(contextMiB).toBeGreaterThan(measuredMiB - 5);
    expect(contextMiB).toBeLessThan(measuredMiB + 30);
  });
});
