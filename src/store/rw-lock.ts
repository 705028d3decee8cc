/**
 * An in-process async readers–writer lock with writer preference. The store uses it to keep blob
 * garbage collection (the writer) away from operations that are about to reference blobs (the readers:
 * create, copy, import), so a sweep never removes a blob a manifest is about to name.
 */
export class RwLock {
  #readers = 0;
  #writer = false;
  readonly #waitingWriters: Array<() => void> = [];
  readonly #waitingReaders: Array<() => void> = [];

  /** Run `fn` holding a shared lock. Many shared holders may run at once. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#writer || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingReaders.push(resolve));
    } else {
      this.#readers++;
    }
    try {
      return await fn();
    } finally {
      this.#readers--;
      this.#wake();
    }
  }

  /** Run `fn` holding the exclusive lock: no shared or other exclusive holder runs meanwhile. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#writer || this.#readers > 0 || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingWriters.push(resolve));
    } else {
      this.#writer = true;
    }
    try {
      return await fn();
    } finally {
      this.#writer = false;
      this.#wake();
    }
  }

  /** True while nothing holds or waits for the lock. */
  get idle(): boolean {
    return !this.#writer && this.#readers === 0 && this.#waitingWriters.length === 0 && this.#waitingReaders.length === 0;
  }

  // Hand the lock over synchronously (the woken holder's counters are set here), so no third party can slip in.
  #wake(): void {
    if (this.#writer || this.#readers > 0) return;
    const writer = this.#waitingWriters.shift();
    if (writer) {
      this.#writer = true;
      writer();
      return;
    }
    const readers = this.#waitingReaders.splice(0);
    this.#readers += readers.length;
    for (const reader of readers) reader();
  }
}
