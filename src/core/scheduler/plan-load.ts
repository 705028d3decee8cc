/**
 * The memory-fit decision: can a model of `need` bytes load now, after evicting idle models, later, or never?
 * Pure, so every case is a row in a table test; the scheduler feeds it live numbers.
 */

/** One loaded (or loading, or closing) runner, as {@link planLoad} sees it. */
export interface LoadedFacts {
  /** Identifies the runner in {@link LoadPlan} victims. */
  id: string;
  /** Bytes of memory it holds. */
  bytes: number;
  /** CPU threads it holds (counted only when {@link PlanLoadInput.threads} is given). */
  threads?: number;
  /** Serving at least one request: never evicted, waited for instead. */
  busy: boolean;
  /** When it last finished a request (any monotonic number); least recent is evicted first. */
  lastUsed: number;
  /** Not evictable for another reason (loading, already closing): waited for like a busy one. */
  pinned: boolean;
  /** Kept loaded on purpose (`keep_alive` < 0): never evicted, and never waited for either. */
  kept?: boolean;
  /** Model name, for messages. */
  name?: string;
}

/** Input of {@link planLoad}. */
export interface PlanLoadInput {
  /** Bytes the new model needs. */
  need: number;
  /** Bytes free now, with every runner in `loaded` still holding its memory. */
  free: number;
  /** Bytes Corral may use at most (the whole budget). */
  total: number;
  loaded: readonly LoadedFacts[];
  /** Most runners that may be loaded at once. */
  maxLoaded: number;
  /** Optional CPU-thread budget: the new runner needs `need` threads free out of `budget`. */
  threads?: { budget: number; need: number };
}

/** What to do about a model that is not loaded. */
export type LoadPlan =
  | { kind: 'load' }
  | { kind: 'evict'; victims: string[] }
  | { kind: 'wait' }
  | { kind: 'never'; reason: string };

/**
 * Decide how to make room for a model:
 * - `load`: it fits beside what is loaded;
 * - `evict`: it fits once `victims` (idle, unpinned, least recently used first, no more than needed) are unloaded;
 *   models kept with `keep_alive` -1 are never victims, and when they alone stand in the way the answer is `never`;
 * - `wait`: only busy or pinned runners stand in the way, so try again when one of them finishes;
 * - `never`: it would not fit even with everything unloaded (→ `INSUFFICIENT_MEMORY`).
 */
export function planLoad(input: PlanLoadInput): LoadPlan {
  const { need, free, total, loaded, maxLoaded, threads } = input;
  const heldBytes = sum(loaded, (r) => r.bytes);
  if (need > total || need > free + heldBytes) {
    return {
      kind: 'never',
      reason: `needs ${need} bytes, at most ${Math.min(total, free + heldBytes)} can be freed`,
    };
  }
  const kept = loaded.filter((r) => r.kept === true);
  const keptBytes = sum(kept, (r) => r.bytes);
  if (kept.length >= maxLoaded || need > free + heldBytes - keptBytes) {
    const names = kept.map((r) => r.name ?? r.id).join(', ');
    return {
      kind: 'never',
      reason: `models kept loaded with keep_alive -1 (${names}) hold the room it needs; unload one first`,
    };
  }
  if (threads && threads.need > threads.budget) {
    return { kind: 'never', reason: `needs ${threads.need} threads, the budget is ${threads.budget}` };
  }
  const heldThreads = sum(loaded, (r) => r.threads ?? 0);
  const fits = (victims: readonly LoadedFacts[]): boolean =>
    free + sum(victims, (r) => r.bytes) >= need &&
    loaded.length - victims.length < maxLoaded &&
    (!threads || threads.budget - heldThreads + sum(victims, (r) => r.threads ?? 0) >= threads.need);

  if (fits([])) return { kind: 'load' };
  const candidates = loaded
    .filter((r) => !r.busy && !r.pinned && r.kept !== true)
    .sort((a, b) => a.lastUsed - b.lastUsed || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const victims: LoadedFacts[] = [];
  for (const candidate of candidates) {
    if (fits(victims)) break;
    victims.push(candidate);
  }
  if (!fits(victims)) return { kind: 'wait' };
  // The least recently used prefix may include small models that a later, larger victim made unnecessary:
  // keep every victim only if the plan stops fitting without it (most recently used are dropped first).
  for (let i = victims.length - 1; i >= 0; i--) {
    const without = victims.filter((_, j) => j !== i);
    if (fits(without)) victims.splice(i, 1);
  }
  return { kind: 'evict', victims: victims.map((r) => r.id) };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}
