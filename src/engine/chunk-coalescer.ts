/**
 * Coalesces streamed text per request so a fast model does not pay one IPC message per token: the first piece
 * goes out at once (time to first token is not delayed), later pieces within {@link CHUNK_INTERVAL_MS} are joined
 * and sent when the interval ends. `flush` sends what is pending (before `done`/`error`).
 */

/** Longest a piece of text waits in the child before it is sent. */
export const CHUNK_INTERVAL_MS = 4;

export class ChunkCoalescer {
  readonly #send: (id: number, text: string) => void;
  readonly #pending = new Map<
    number,
    { text: string; lastSent: number; timer: NodeJS.Timeout | undefined }
  >();

  constructor(send: (id: number, text: string) => void) {
    this.#send = send;
  }

  add(id: number, text: string): void {
    const now = performance.now();
    const entry = this.#pending.get(id) ?? { text: '', lastSent: -Infinity, timer: undefined };
    this.#pending.set(id, entry);
    entry.text += text;
    if (entry.timer !== undefined) return;
    const wait = entry.lastSent + CHUNK_INTERVAL_MS - now;
    if (wait <= 0) this.#emit(id, entry, now);
    else entry.timer = setTimeout(() => this.#emit(id, entry, performance.now()), wait);
  }

  /** Sends the pending text of `id` now and forgets the request. */
  flush(id: number): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    if (entry.text !== '') this.#send(id, entry.text);
    this.#pending.delete(id);
  }

  /** Drops every timer (pending text of finished requests was flushed already); idempotent. */
  close(): void {
    for (const entry of this.#pending.values()) clearTimeout(entry.timer);
    this.#pending.clear();
  }

  #emit(
    id: number,
    entry: { text: string; lastSent: number; timer: NodeJS.Timeout | undefined },
    now: number,
  ): void {
    entry.timer = undefined;
    entry.lastSent = now;
    if (entry.text === '') return;
    const text = entry.text;
    entry.text = '';
    this.#send(id, text);
  }
}
