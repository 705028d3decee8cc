/** A {@link MemoryProbe} for tests with settable numbers. */
import type { MemoryProbe } from './types.js';

/** Reports `totalBytes` and `freeBytes` as set (free defaults to total); counts calls. */
export class FakeMemory implements MemoryProbe {
  calls = 0;

  constructor(
    public totalBytes: number,
    public freeBytes: number = totalBytes,
  ) {}

  available(): Promise<{ freeBytes: number; totalBytes: number }> {
    this.calls++;
    return Promise.resolve({ freeBytes: this.freeBytes, totalBytes: this.totalBytes });
  }
}
