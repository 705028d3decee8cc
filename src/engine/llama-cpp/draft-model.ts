/**
 * The draft model of speculative decoding, loaded beside the target in the same runner: one context with as many
 * sequences as the target's, each sequence feeding the `DraftSequenceTokenPredictor` of one target sequence.
 * node-llama-cpp validates the predictions in the target's own batches, so the output does not depend on the draft.
 */
import {
  DraftSequenceTokenPredictor,
  TokenPredictor,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type SequenceEvaluateOptions,
  type Token,
} from 'node-llama-cpp';
import type { DraftSpec } from '../../core/index.js';

/**
 * Tokens drafted per step. node-llama-cpp 3.22.1 validates only the first predicted token of each batch
 * (`_speculativeEvaluate` compares later ones against a list it never fills), so every further draft token is
 * decoded by the target only to be refuted: one draft token per step is the fastest setting, up to 2 tokens per
 * target decode. Waiting for it (`minTokens: 1`) keeps the draft in step instead of racing the target.
 */
const DRAFT_TOKENS = 1;

/**
 * A draft predictor that can be switched off per generation: switched off it predicts nothing, so the sequence
 * decodes one token at a time as without a draft. node-llama-cpp 3.22.1 samples a validated draft position with
 * the repeat-penalty window and grammar state of the position before it (`_speculativeEvaluate` resolves both once
 * per batch), so with penalties or a grammar the output would differ from decoding without the draft: such
 * generations run with the draft off. Every generation starts with `reset`, so switching is safe between them.
 */
export class SwitchablePredictor extends TokenPredictor {
  /** Whether the draft predicts during the next generations. */
  enabled = true;

  constructor(readonly draft: DraftSequenceTokenPredictor) {
    super();
  }

  reset(params: {
    targetSequence: LlamaContextSequence;
    stateTokens: Token[];
    evaluateOptions: Readonly<SequenceEvaluateOptions>;
  }): Promise<void> | void {
    if (this.enabled) return this.draft.reset(params);
  }

  pushTokens(tokens: Token[]): void {
    if (this.enabled) this.draft.pushTokens(tokens);
  }

  predictTokens(): Promise<Token[]> | Token[] {
    return this.enabled ? this.draft.predictTokens() : [];
  }

  override stop(untilPredictionsExhausted?: boolean): Promise<void> | void {
    return this.draft.stop(untilPredictionsExhausted);
  }

  override dispose(): Promise<void> | void {
    return this.draft.dispose();
  }
}

/** A loaded draft model and its context. */
export interface DraftModel {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /** A predictor on a new draft sequence, for one target sequence (created once per target sequence). */
  predictor(this: void): SwitchablePredictor;
  /** Bytes of RAM and accelerator memory the draft model and its context use. */
  readonly memory: { ram: number; vram: number };
  /** Disposes the context, then the model; idempotent. */
  close(): Promise<void>;
}

/** Loads `spec`'s model with a context of `sequences` × `contextSize`; the caller wraps errors. */
export async function loadDraftModel(
  llama: Llama,
  spec: DraftSpec,
  options: { sequences: number; contextSize: number; threads: number; useMmap: boolean },
): Promise<DraftModel> {
  const model = await llama.loadModel({ modelPath: spec.modelPath, useMmap: options.useMmap });
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: options.sequences,
      contextSize: options.contextSize,
      threads: options.threads,
      failedCreationRemedy: false,
    });
  } catch (err) {
    await model.dispose();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    model,
    context,
    predictor: () =>
      new SwitchablePredictor(
        new DraftSequenceTokenPredictor(context.getSequence(), {
          minTokens: DRAFT_TOKENS,
          maxTokens: DRAFT_TOKENS,
          minConfidence: spec.minConfidence,
          // The draft proposes its most likely token whatever the request samples with: the target decides.
          evaluateOptions: { temperature: 0 },
        }),
      ),
    memory: {
      ram: model.memoryUsage.ram + context.memoryUsage.ram,
      vram: model.memoryUsage.vram + context.memoryUsage.vram,
    },
    close: () =>
      (closing ??= (async () => {
        await context.dispose();
        await model.dispose();
      })()),
  };
}
