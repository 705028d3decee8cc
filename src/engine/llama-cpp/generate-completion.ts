/** One raw-prompt generation on a borrowed sequence, through `LlamaCompletion`. */
import { LlamaCompletion, type Token } from 'node-llama-cpp';
import type { GenerateResult } from '../../core/index.js';
import { generationOptions, type GenerationRun } from './generate-chat.js';
import { doneReasonOf, GenerationMeter, stopSequenceOf } from './generation-meter.js';

/**
 * Generates a continuation of `promptTokens` (tokenized without BOS: `LlamaCompletion` prepends it when the model
 * wants one). `contextShiftSize: 1` matters: with its default (a tenth of the context) `LlamaCompletion` cuts the
 * front of any prompt longer than 90% of the context; the caller has already rejected prompts that do not fit.
 */
export async function generateCompletion(run: GenerationRun, promptTokens: Token[]): Promise<GenerateResult> {
  const meter = new GenerationMeter(run.sequence, run.promptTokens, run.cachedTokens);
  const completion = new LlamaCompletion({ contextSequence: run.sequence, autoDisposeSequence: false });
  try {
    const response = await completion.generateCompletionWithMeta(promptTokens, {
      ...generationOptions(run, meter),
      grammar: run.grammar,
      contextShiftSize: 1,
      disableContextShift: true,
    });
    const { metadata } = response;
    return meter.finish(response.response, [], doneReasonOf(metadata.stopReason), stopSequenceOf(metadata));
  } catch (err) {
    if (run.signal?.aborted) return meter.finish(meter.streamedText, [], 'abort');
    throw err;
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
