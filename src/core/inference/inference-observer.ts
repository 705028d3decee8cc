/**
 * The inference observer port: told about every finished generation, so `src/metrics` can count tokens and time
 * to first token without core knowing about Prometheus. Implementations must be cheap and synchronous.
 */

/** What one finished generation produced. */
export interface GenerationStats {
  /** Prompt tokens evaluated (prefix-cache hits are not counted, as in `prompt_eval_count`). */
  promptTokens: number;
  /** Tokens generated. */
  evalTokens: number;
  /** With a draft model (speculative decoding): draft tokens checked by the model. */
  draftTokens?: number;
  /** With a draft model: draft tokens the model accepted. */
  draftAcceptedTokens?: number;
  /**
   * Milliseconds from the request reaching the inference service (queueing and model load included) to the first
   * generated text; `undefined` when no text was produced.
   */
  firstTokenMs: number | undefined;
}

/** Receives inference events; see the module comment. */
export interface InferenceObserver {
  /** A generation ended (finished, hit its limit or was cancelled) with a result. `model` is the resolved name. */
  generated(model: string, stats: GenerationStats): void;
}
