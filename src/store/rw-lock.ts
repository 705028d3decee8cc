/**
 * An in-process async readers–writer lock with writer preference. The store uses it to keep blob garbage
 * collection (the writer) away from operations that are about to reference blobs (the readers: create, copy,
 * import, pull), so a sweep never removes a blob that a manifest is about to name. Not reentrant: code holding
 * the shared lock must not ask for it again (a queued writer would deadlock it).
 */
export class RwLock {
  #readers = 0;
  #writer = false;
  readonly #waitingWriters: Array<() => void> = [];
  readonly #waitingReaders: Array<() => void> = [];

  /** Take a shared hold; resolves to its (idempotent) release function. */
  async acquireShared(): Promise<() => void> {
    if (this.#writer || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingReaders.push(resolve));
    } else {
      this.#readers++;
    }
    return once(() => {
      this.#readers--;
      this.#wake();
    });
  }

  /** Take the exclusive hold; resolves to its (idempotent) release function. */
  async acquireExclusive(): Promise<() => void> {
    if (this.#writer || this.#readers > 0 || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingWriters.push(resolve));
    } else {
      this.#writer = true;
    }
    return once(() => {
      this.#writer = false;
      this.#wake();
    });
  }

  /** Run `fn` holding a shared lock. Many shared holders may run at once. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquireShared();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Run `fn` holding the exclusive lock: no shared or other exclusive holder runs meanwhile. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquireExclusive();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** True while nothing holds or waits for the lock. */
  get idle(): boolean {
    return (
      !this.#writer &&
      this.#readers === 0 &&
      this.#waitingWriters.length === 0 &&
      this.#waitingReaders.length === 0
    );
  }

  // Hand the lock over synchronously (the woken holder's counters are set here), so no third party slips in.
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

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
