/** Live job events for the SSE stream and the console: per-job listeners, dropped when they unsubscribe. */
import type { FinetuneJobRecord, FinetuneMetricPoint } from '../db/index.js';

export type FinetuneEvent =
  | { type: 'job'; job: FinetuneJobRecord }
  | { type: 'progress'; progress: Record<string, unknown> }
  | { type: 'metric'; point: FinetuneMetricPoint }
  | { type: 'log'; line: string }
  /** The server is shutting down: live streams end. */
  | { type: 'closed' };

type Listener = (event: FinetuneEvent) => void;

export class FinetuneEvents {
  readonly #listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` with each event of job `id` until the returned function is called. */
  subscribe(id: string, listener: Listener): () => void {
    let set = this.#listeners.get(id);
    if (set === undefined) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(id);
    };
  }

  emit(id: string, event: FinetuneEvent): void {
    for (const listener of this.#listeners.get(id) ?? []) listener(event);
  }

  /** Sends `closed` to every listener of every job. */
  closeAll(): void {
    for (const set of [...this.#listeners.values()])
      for (const listener of [...set]) listener({ type: 'closed' });
  }

  /** Number of listeners of job `id` (tests, and to skip work nobody watches). */
  listeners(id: string): number {
    return this.#listeners.get(id)?.size ?? 0;
  }
}
