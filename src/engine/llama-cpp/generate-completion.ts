/** One raw-prompt generation on a borrowed sequence, through `LlamaCompletion`. */
import { LlamaCompletion, type Token } from 'node-llama-cpp';
import type { GenerateResult } from '../../core/index.js';
import { emit, type GenerationRun } from './generate-chat.js';
import { doneReasonOf, GenerationMeter } from './generation-meter.js';

/**
 * Generates a continuation of `promptTokens` (tokenized without BOS: `LlamaCompletion` prepends it when the model
 * wants one). `contextShiftSize: 1` matters: with its default (a tenth of the context) `LlamaCompletion` cuts the
 * front of any prompt longer than 90% of the context; the caller has already rejected prompts that do not fit.
 */
export async function generateCompletion(run: GenerationRun, promptTokens: Token[]): Promise<GenerateResult> {
  const meter = new GenerationMeter(run.sequence, run.promptTokens, run.cachedTokens);
  const completion = new LlamaCompletion({ contextSequence: run.sequence, autoDisposeSequence: false });
  const { sampling } = run;
  try {
    const response = await completion.generateCompletionWithMeta(promptTokens, {
      grammar: run.grammar,
      onTextChunk: (text) => emit(meter, run, text),
      onToken: () => meter.tokens(),
      signal: run.signal,
      stopOnAbortSignal: true,
      maxTokens: sampling.maxTokens,
      temperature: sampling.temperature,
      topK: sampling.topK,
      topP: sampling.topP,
      minP: sampling.minP,
      seed: sampling.seed,
      repeatPenalty: sampling.repeatPenalty,
      customStopTriggers: sampling.customStopTriggers,
      contextShiftSize: 1,
      disableContextShift: true,
    });
    return meter.finish(response.response, [], doneReasonOf(response.metadata.stopReason));
  } catch (err) {
    if (run.signal?.aborted) return meter.finish(meter.streamedText, [], 'abort');
    throw err;
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
