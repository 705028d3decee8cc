/**
 * The sequences of one context, lent to one request at a time. Concurrent requests evaluate on different sequences
 * of the same context, so llama.cpp decodes them in shared batches (continuous batching: a request joins while
 * others are mid-generation). A sequence keeps its tokens after a request, which is the prefix cache: the next
 * request goes to the free sequence that already holds the longest prefix of its prompt, and only the rest is
 * evaluated. Sequences are created once and never disposed before the context (ENGINE-NOTES: leaked sequences
 * exhaust the context).
 */
import type { LlamaContext, LlamaContextSequence, Token } from 'node-llama-cpp';
import { alignBatches } from './batch-alignment.js';

/** A borrowed sequence; `release()` returns it (idempotent). */
export interface SequenceLease {
  readonly sequence: LlamaContextSequence;
  /** Prompt tokens already held by the sequence, which need no evaluation (at most `tokens.length - 1`). */
  readonly reused: number;
  release(): void;
}

/**
 * How much a cached token that would be erased counts against a sequence, relative to a prompt token that must be
 * evaluated now. Below 1: the cache of another conversation may never be needed again.
 */
const ERASE_WEIGHT = 0.5;

interface Waiter {
  tokens: readonly Token[];
  resolve: (lease: SequenceLease) => void;
}

export class SequencePool {
  readonly #free: Array<{ sequence: LlamaContextSequence; lastUsed: number }> = [];
  readonly #waiters: Waiter[] = [];
  readonly #size: number;
  #clock = 0;

  constructor(context: LlamaContext) {
    this.#size = context.totalSequences;
    for (let i = 0; i < this.#size; i++) this.#free.push({ sequence: context.getSequence(), lastUsed: 0 });
    alignBatches(
      this.#free.map((entry) => entry.sequence),
      () => this.busy,
    );
  }

  /** Sequences lent out right now. */
  get busy(): number {
    return this.#size - this.#free.length;
  }

  /** Borrows the best free sequence for a prompt, waiting (FIFO) when all are busy. */
  acquire(tokens: readonly Token[], signal?: AbortSignal): Promise<SequenceLease> {
    if (this.#free.length > 0) return Promise.resolve(this.#take(tokens));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { tokens, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /**
   * Picks the free sequence that costs least: prompt tokens left to evaluate, plus half the cached tokens its
   * prompt would erase (so a follow-up turn goes back to its conversation's sequence, while a new conversation that
   * shares only a short preamble takes an empty or stale sequence instead of erasing a long cached one).
   * Ties go to the least recently used sequence.
   */
  #take(tokens: readonly Token[]): SequenceLease {
    let best = 0;
    let bestCost = Infinity;
    let reused = 0;
    this.#free.forEach((entry, index) => {
      const held = entry.sequence.contextTokens.length;
      const match = Math.min(
        entry.sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex,
        tokens.length - 1,
      );
      const cost = tokens.length - match + ERASE_WEIGHT * (held - match);
      const current = this.#free[best];
      if (
        cost < bestCost ||
        (cost === bestCost && current !== undefined && entry.lastUsed < current.lastUsed)
      ) {
        best = index;
        bestCost = cost;
        reused = Math.max(0, match);
      }
    });
    const [entry] = this.#free.splice(best, 1);
    if (entry === undefined) throw new Error('sequence pool: no free sequence'); // callers check #free first
    let released = false;
    return {
      sequence: entry.sequence,
      reused,
      release: () => {
        if (released) return;
        released = true;
        entry.lastUsed = ++this.#clock;
        this.#free.push(entry);
        const next = this.#waiters.shift();
        if (next) next.resolve(this.#take(next.tokens));
      },
    };
  }
}
