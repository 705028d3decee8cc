/**
 * Measures single-stream decode speed of a loaded model with a given thread count, on a throw-away context: the
 * measurement behind thread calibration (ENGINE-NOTES: threads decide CPU speed, and the best count depends on the
 * model size and the machine).
 */
import type { LlamaModel, Token } from 'node-llama-cpp';

const PROMPT = 'The quick brown fox jumps over the lazy dog';
/** Tokens decoded before timing starts (first decodes fault in the memory-mapped weights). */
const WARMUP_TOKENS = 3;

/** Measurement stops after this long once a few tokens are timed (a 7 B model on CPU decodes a few tokens/s). */
const MAX_MEASURE_MS = 1500;
const MIN_TIMED_TOKENS = 4;

/** Greedy-decodes up to `tokens` tokens after a short prompt; returns tokens per second. */
export async function measureDecodeSpeed(model: LlamaModel, threads: number, tokens = 24): Promise<number> {
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads });
  try {
    const sequence = context.getSequence();
    const prompt: Token[] = model.tokenize(PROMPT);
    if (model.tokens.bos !== null && model.tokens.shouldPrependBosToken) prompt.unshift(model.tokens.bos);
    let produced = 0;
    let start = 0;
    for await (const _token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
      produced++;
      if (produced === WARMUP_TOKENS) start = performance.now();
      const timed = produced - WARMUP_TOKENS;
      if (timed >= tokens || (timed >= MIN_TIMED_TOKENS && performance.now() - start > MAX_MEASURE_MS)) break;
    }
    return (produced - WARMUP_TOKENS) / ((performance.now() - start) / 1000);
  } finally {
    await context.dispose();
  }
}
