/**
 * Makes concurrent generations share llama.cpp batches — and ubatches — instead of taking turns.
 *
 * Two things break batching with node-llama-cpp 3.22 (measured on the 220 M bench model, 2 threads):
 * 1. Its decode loop starts the next batch as soon as one is done, before the other sequences have queued their
 *    next token (each token travels through promise chains first). Batches alternate {A}, {B}, {A}… — 62 batches of
 *    1 token for 2 × 32 tokens. Fix: after each batch, while two or more sequences generate, wait one macrotask so
 *    every stream queues its token first (batches of 2, 4, 8).
 * 2. Its contexts keep one KV stream per sequence (`kv_unified = false`), and llama.cpp then splits a batch into
 *    ubatches of *consecutive, increasing* sequence ids (`split_equal(…, sequential = true)`): a batch queued as
 *    [seq 2, seq 0, seq 1] is computed as three graphs. Fix: sort the queue by sequence id before each batch (and
 *    the pool hands out compact id ranges). 4 streams on ids 0–3: 48 → 78 tok/s aggregate, 3× one stream.
 *
 * Both use node-llama-cpp internals (`_queuedDecodes`, `_takeIntervalCheckpointIfNeededAfterBatch`), checked at
 * `attach`: where they are missing, batches simply stay as node-llama-cpp makes them.
 */
import type { BatchingOptions, LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

type AfterBatchHook = (sequenceStateLength: number) => unknown;
interface ContextInternals {
  _queuedDecodes?: Array<{ sequenceId: number }>;
}
interface SequenceInternals {
  _takeIntervalCheckpointIfNeededAfterBatch?: AfterBatchHook;
}

export class BatchAligner {
  readonly #generating: () => number;
  #queue: Array<{ sequenceId: number }> | undefined;
  #tick: Promise<void> | undefined;

  /** `generating()` is the number of sequences generating right now. */
  constructor(generating: () => number) {
    this.#generating = generating;
  }

  /** For `createContext({ batching })`: dispatch on the next macrotask (node-llama-cpp's default), sorted. */
  readonly batching: BatchingOptions = {
    dispatchSchedule: (dispatch) =>
      setImmediate(() => {
        this.#sort();
        dispatch();
      }),
  };

  /** Hooks the context's decode loop through its sequences; false when the internals are not there. */
  attach(context: LlamaContext, sequences: readonly LlamaContextSequence[]): boolean {
    const queue = (context as unknown as ContextInternals)._queuedDecodes;
    const hooks = sequences.map(
      (s) => (s as unknown as SequenceInternals)._takeIntervalCheckpointIfNeededAfterBatch,
    );
    if (!Array.isArray(queue) || hooks.some((hook) => typeof hook !== 'function')) return false;
    this.#queue = queue;
    sequences.forEach((sequence, index) => {
      const original = hooks[index]!;
      (sequence as unknown as SequenceInternals)._takeIntervalCheckpointIfNeededAfterBatch = (length) => {
        const result = original(length);
        return this.#generating() < 2 ? result : Promise.resolve(result).then(() => this.#nextMacrotask());
      };
    });
    return true;
  }

  /** One shared wait per batch: resolves on the next macrotask, with the queue sorted. */
  #nextMacrotask(): Promise<void> {
    this.#tick ??= new Promise((resolve) =>
      setImmediate(() => {
        this.#tick = undefined;
        this.#sort();
        resolve();
      }),
    );
    return this.#tick;
  }

  #sort(): void {
    this.#queue?.sort((a, b) => a.sequenceId - b.sequenceId);
  }
}
