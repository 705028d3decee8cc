/** One chat generation on a borrowed sequence, through `LlamaChat` and the model's resolved chat wrapper. */
import {
  LlamaChat,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type LlamaContextSequence,
  type LlamaGrammar,
  type Token,
} from 'node-llama-cpp';
import type { GenerateResult, ToolCall } from '../../core/index.js';
import { doneReasonOf, GenerationMeter, stopSequenceOf } from './generation-meter.js';
import type { LlamaSampling } from './sampling-options.js';

/** What a generation needs besides its prompt. */
export interface GenerationRun {
  sequence: LlamaContextSequence;
  /** Prompt tokens to evaluate (not in the prefix cache). */
  promptTokens: number;
  /** Prompt tokens already in the sequence (prefix cache). */
  cachedTokens: number;
  sampling: LlamaSampling;
  grammar: LlamaGrammar | undefined;
  signal: AbortSignal | undefined;
  onText: ((text: string) => void) | undefined;
  /** When set, every generated token is appended to it (for log probabilities). */
  generated?: Token[];
}

/**
 * Generates the answer to `history`. Aborting returns the partial answer with `doneReason: 'abort'` (also when the
 * abort lands before the first token, which makes `LlamaChat` throw). No context shift can happen: the caller caps
 * `maxTokens` below the free room, so an over-long conversation is rejected up front instead of silently cut.
 */
export async function generateChat(
  run: GenerationRun,
  chatWrapper: ChatWrapper,
  history: ChatHistoryItem[],
  functions: ChatModelFunctions | undefined,
): Promise<GenerateResult> {
  const meter = new GenerationMeter(run.sequence, run.promptTokens, run.cachedTokens);
  const chat = new LlamaChat({ contextSequence: run.sequence, chatWrapper, autoDisposeSequence: false });
  try {
    const common = generationOptions(run, meter);
    // node-llama-cpp takes either functions or a grammar (the caller refuses requests with both).
    const response = functions
      ? await chat.generateResponse(history, {
          ...common,
          functions,
          onFunctionCallParamsChunk: () => meter.tokens(),
        })
      : await chat.generateResponse(history, { ...common, grammar: run.grammar });
    const toolCalls: ToolCall[] = (response.functionCalls ?? []).map((call) => ({
      name: call.functionName,
      arguments: isRecord(call.params) ? call.params : {},
    }));
    const { metadata } = response;
    return meter.finish(
      response.response,
      toolCalls,
      doneReasonOf(metadata.stopReason),
      stopSequenceOf(metadata),
    );
  } catch (err) {
    if (run.signal?.aborted) return meter.finish(meter.streamedText, [], 'abort');
    throw err;
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records and forwards a piece of streamed text (node-llama-cpp also emits empty chunks; they are dropped). */
/** The streaming, cancellation and sampling options chat and completion generations share. */
export function generationOptions(run: GenerationRun, meter: GenerationMeter) {
  const { sampling } = run;
  return {
    onTextChunk: (text: string) => emit(meter, run, text),
    onToken: (tokens: Token[]) => {
      meter.tokens();
      run.generated?.push(...tokens);
    },
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
  };
}

export function emit(meter: GenerationMeter, run: GenerationRun, text: string): void {
  if (text.length === 0) return;
  meter.text(text);
  run.onText?.(text);
}
