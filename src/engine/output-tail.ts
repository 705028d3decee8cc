/**
 * A runner's stdout/stderr, split into lines: each line goes to the server log, and the last lines are kept to be
 * attached to the errors of a runner that crashed (like Ollama's `llm/status.go`).
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../core/index.js';

const MAX_LINE = 2000;

export class OutputTail {
  readonly #log: Logger;
  readonly #max: number;
  readonly #lines: string[] = [];

  constructor(log: Logger, max = 20) {
    this.#log = log;
    this.#max = max;
  }

  /** Reads `stream` line by line until it ends. */
  attach(stream: Readable | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (data: string) => {
      const parts = (partial + data).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.#push(line, name);
      if (partial.length > MAX_LINE) {
        this.#push(partial, name);
        partial = '';
      }
    });
    stream.on('end', () => {
      if (partial !== '') this.#push(partial, name);
      partial = '';
    });
  }

  /** The last lines, oldest first. */
  lines(): string[] {
    return [...this.#lines];
  }

  #push(raw: string, stream: string): void {
    const line = raw.replace(/\r$/, '').slice(0, MAX_LINE);
    if (line.trim() === '') return;
    this.#log.warn({ stream, line }, 'runner output');
    this.#lines.push(line);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
}
