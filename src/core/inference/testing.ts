/** Test data for the translators of every dialect: a finished generation with round statistics. */
import type { InferenceResult } from '../inference-types.js';

/** "Hello" from model `tiny`: 5 prompt tokens (2 cached), 3 generated; `overrides` replace fields. */
export function sampleInferenceResult(overrides: Partial<InferenceResult> = {}): InferenceResult {
  return {
    text: 'Hello',
    toolCalls: [],
    doneReason: 'stop',
    promptTokens: 5,
    promptCachedTokens: 2,
    promptEvalMs: 1,
    evalTokens: 3,
    evalMs: 1,
    model: 'tiny',
    createdAt: new Date(0),
    loadMs: 0,
    totalMs: 2,
    ...overrides,
  };
}
