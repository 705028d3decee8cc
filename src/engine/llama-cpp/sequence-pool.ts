/**
 * The sequences of one context, lent to one request at a time. Concurrent requests evaluate on different sequences
 * of the same context, so llama.cpp decodes them in shared batches (continuous batching: a request joins while
 * others are mid-generation). A sequence keeps its tokens after a request, which is the prefix cache: a request
 * goes to the free sequence that already holds a long prefix of its prompt, and only the rest is evaluated.
 * Sequences are created once and never disposed before the context (ENGINE-NOTES: leaked sequences exhaust it).
 */
import type { LlamaContext, LlamaContextSequence, Token, TokenPredictor } from 'node-llama-cpp';
import type { KvCacheUsage } from '../../core/index.js';
import type { BatchAligner } from './batch-alignment.js';

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
/**
 * What a sequence that splits the busy ids into one more run costs, in prompt tokens. Each run of consecutive
 * sequence ids is its own llama.cpp graph per decode step (see batch-alignment.ts), so while requests overlap a
 * stray id costs about one single-stream step per generated token; re-evaluating a short prompt costs less.
 */
const EXTRA_RUN_COST = 256;

interface Entry {
  sequence: LlamaContextSequence;
  /** Creation order, which is the llama.cpp sequence id in a fresh context. */
  id: number;
}

interface Waiter {
  tokens: readonly Token[];
  resolve: (lease: SequenceLease) => void;
}

export class SequencePool {
  /** Every sequence, lent or not (lent ones are in no other list). */
  readonly #all: LlamaContextSequence[];
  readonly #capacity: number;
  readonly #free: Entry[] = [];
  readonly #busy = new Set<number>();
  readonly #waiters: Waiter[] = [];

  /**
   * Creates all the context's sequences; `aligner` (if any) is attached to them. With `predictor` (speculative
   * decoding), each sequence gets its own token predictor, which every generation on it then uses.
   */
  constructor(context: LlamaContext, aligner?: BatchAligner, predictor?: () => TokenPredictor) {
    for (let id = 0; id < context.totalSequences; id++)
      this.#free.push({
        sequence: context.getSequence(predictor && { tokenPredictor: predictor() }),
        id,
      });
    this.#all = this.#free.map((entry) => entry.sequence);
    this.#capacity = context.contextSize * context.totalSequences;
    if (
      aligner &&
      !aligner.attach(
        context,
        this.#free.map((entry) => entry.sequence),
      )
    )
      // Still correct, only slower with concurrent requests: worth a line in the runner's log.
      process.stderr.write(
        'batch alignment unavailable in this node-llama-cpp: concurrent requests batch poorly\n',
      );
  }

  /** Sequences lent out right now. */
  get busy(): number {
    return this.#busy.size;
  }

  /**
   * Tokens the sequences hold now: those of requests in flight and those kept as prefix cache after a request,
   * all of which occupy KV-cache cells, over the cells the context has (`contextSize` per sequence).
   */
  usage(): KvCacheUsage {
    let usedTokens = 0;
    for (const sequence of this.#all) usedTokens += sequence.nextTokenIndex;
    return { usedTokens, capacityTokens: this.#capacity };
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
   * Picks the free sequence that costs least: prompt tokens left to evaluate, half the cached tokens the prompt
   * would erase (a follow-up turn goes back to its conversation, a new conversation takes an empty or stale
   * sequence rather than erase a long cached one), and {@link EXTRA_RUN_COST} when its id is not next to the busy
   * ones. Ties go to the lowest id, which keeps the busy ids compact.
   */
  #take(tokens: readonly Token[]): SequenceLease {
    let best: { index: number; cost: number; reused: number } | undefined;
    this.#free.forEach((entry, index) => {
      const held = entry.sequence.contextTokens.length;
      const match = Math.max(
        0,
        Math.min(
          entry.sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex,
          tokens.length - 1,
        ),
      );
      const adjacent = Number(this.#busy.has(entry.id - 1)) + Number(this.#busy.has(entry.id + 1));
      const extraRuns = this.#busy.size === 0 ? 0 : 1 - adjacent;
      const cost = tokens.length - match + ERASE_WEIGHT * (held - match) + EXTRA_RUN_COST * extraRuns;
      const current = best && this.#free[best.index];
      if (!best || cost < best.cost || (cost === best.cost && current && entry.id < current.id))
        best = { index, cost, reused: match };
    });
    if (!best) throw new Error('sequence pool: no free sequence'); // callers check #free first
    const [entry] = this.#free.splice(best.index, 1) as [Entry];
    this.#busy.add(entry.id);
    let released = false;
    return {
      sequence: entry.sequence,
      reused: best.reused,
      release: () => {
        if (released) return;
        released = true;
        this.#busy.delete(entry.id);
        this.#free.push(entry);
        const next = this.#waiters.shift();
        if (next) next.resolve(this.#take(next.tokens));
      },
    };
  }
}
