/**
 * An in-process async mutex per key: `run(key, fn)` runs `fn` after every earlier `run` on the same key has
 * settled. Different keys do not wait for each other. Entries are dropped when their queue drains.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Run `fn` exclusively for `key`; resolves or rejects with its result. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Number of keys with work queued or running (for tests and diagnostics). */
  get size(): number {
    return this.#tails.size;
  }
}
