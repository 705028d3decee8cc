/**
 * CPU threads for a new runner. Runners spin their worker threads, so several runners together must never use more
 * threads than the machine's core budget (ENGINE-NOTES: "never let several runners together use more threads than
 * there are cores"). A runner's threads are fixed when it loads, so each new runner gets a disjoint share of what
 * is still free.
 */

/** Input of {@link assignThreads}. */
export interface AssignThreadsInput {
  /** Threads all runners together may use (cores given to Corral). */
  coreBudget: number;
  /** Threads held by the runners already loaded, loading or closing. */
  runners: ReadonlyArray<{ threads: number }>;
  /** Threads the request asks for (Ollama's `num_thread`); absent: the fair share. */
  requested?: number;
  /** Most runners loaded at once: the fair share is `⌊coreBudget / min(maxRunners, coreBudget)⌋`. */
  maxRunners: number;
}

/**
 * Threads for the new runner: the requested number or the fair share, capped by what is free, at least 1.
 * Returns 0 when no thread is free (every core is held): the caller must unload a runner or wait.
 */
export function assignThreads(input: AssignThreadsInput): number {
  const budget = Math.max(1, Math.floor(input.coreBudget));
  let held = 0;
  for (const runner of input.runners) held += runner.threads;
  const free = budget - held;
  if (free < 1) return 0;
  const slots = Math.max(1, Math.min(Math.floor(input.maxRunners), budget));
  const share = input.requested ?? Math.max(1, Math.floor(budget / slots));
  return Math.max(1, Math.min(Math.floor(share), free));
}
