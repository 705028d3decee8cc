/**
 * Timing and token statistics of one generation, in Ollama's terms: prompt evaluation lasts until the first
 * generated token is emitted, evaluation from there to the end. Generated tokens are counted by the sequence's own
 * token meter (one "output" per sampled token), so they include tokens that never became text (stop triggers,
 * function-call syntax). With a draft model the meter also counts the outputs sampled for refuted draft tokens,
 * which are subtracted.
 */
import type { LlamaContextSequence } from 'node-llama-cpp';
import type { DoneReason, GenerateResult, ToolCall } from '../../core/index.js';

export class GenerationMeter {
  readonly #sequence: LlamaContextSequence;
  readonly #promptTokens: number;
  readonly #cachedTokens: number;
  readonly #outputBefore: number;
  /** The sequence's token-prediction counters at the start (speculative decoding), or undefined without a draft. */
  readonly #predictionsBefore: { validated: number; refuted: number } | undefined;
  readonly #start = performance.now();
  #firstTokenAt: number | undefined;
  #text = '';

  /** Starts measuring a prompt of which `cachedTokens` are in the prefix cache and `promptTokens` are not. */
  constructor(sequence: LlamaContextSequence, promptTokens: number, cachedTokens: number) {
    this.#sequence = sequence;
    this.#promptTokens = promptTokens;
    this.#cachedTokens = cachedTokens;
    this.#outputBefore = sequence.tokenMeter.usedOutputTokens;
    this.#predictionsBefore = sequence.tokenPredictor && { ...sequence.tokenPredictions };
  }

  /** Call when tokens are emitted (text or function-call chunks). */
  tokens(): void {
    this.#firstTokenAt ??= performance.now();
  }

  /** Call with each piece of streamed text; returns the text so far. */
  text(piece: string): string {
    this.tokens();
    this.#text += piece;
    return this.#text;
  }

  /** Text streamed so far (the partial answer of an aborted generation). */
  get streamedText(): string {
    return this.#text;
  }

  finish(text: string, toolCalls: ToolCall[], doneReason: DoneReason, stopSequence?: string): GenerateResult {
    const end = performance.now();
    const draft = this.#draftStats();
    const first = this.#firstTokenAt ?? end;
    return {
      ...(stopSequence === undefined ? {} : { stopSequence }),
      text,
      toolCalls,
      doneReason,
      promptTokens: this.#promptTokens,
      promptCachedTokens: this.#cachedTokens,
      promptEvalMs: first - this.#start,
      evalTokens: this.#sequence.tokenMeter.usedOutputTokens - this.#outputBefore - (draft.refuted ?? 0),
      evalMs: end - first,
      ...(draft.checked === undefined
        ? {}
        : { draftTokens: draft.checked, draftAcceptedTokens: draft.accepted }),
    };
  }

  /** Draft tokens the model checked during this generation (validated + refuted), accepted and refuted. */
  #draftStats(): { checked?: number; accepted?: number; refuted?: number } {
    const before = this.#predictionsBefore;
    if (before === undefined) return {};
    const now = this.#sequence.tokenPredictions;
    const accepted = now.validated - before.validated;
    const refuted = now.refuted - before.refuted;
    return { checked: accepted + refuted, accepted, refuted };
  }
}

/** node-llama-cpp's stop reasons in Ollama's terms. */
export function doneReasonOf(stopReason: string): DoneReason {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'abort') return 'abort';
  return 'stop'; // eogToken, stopGenerationTrigger, customStopTrigger, functionCalls
}

/** The request's stop sequence that ended generation (node-llama-cpp reports the matched custom trigger). */
export function stopSequenceOf(metadata: {
  stopReason: string;
  customStopTrigger?: readonly (string | number)[];
}): string | undefined {
  if (metadata.stopReason !== 'customStopTrigger' || metadata.customStopTrigger === undefined)
    return undefined;
  const parts = metadata.customStopTrigger;
  // Corral passes stop sequences as plain strings, so the trigger is text; a token trigger has no text to report.
  return parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
}
