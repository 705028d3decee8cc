/**
 * A job's log: every line goes to the server log (with the job id) and to `logs/<job id>.log`, which the API and
 * `corral finetune logs` read back. A log file that cannot be written is reported once to the server log.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/index.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

function line(level: Level, obj: object, msg: string): string {
  const data = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${new Date().toISOString()} ${level} ${msg}${data === '' ? '' : ` ${data}`}\n`;
}

export class JobLog implements Logger {
  readonly #server: Logger;
  readonly #stream: WriteStream;
  readonly #bindings: Record<string, unknown>;
  readonly #onLine: ((line: string) => void) | undefined;

  private constructor(
    server: Logger,
    stream: WriteStream,
    bindings: Record<string, unknown>,
    onLine: ((line: string) => void) | undefined,
  ) {
    this.#server = server;
    this.#stream = stream;
    this.#bindings = bindings;
    this.#onLine = onLine;
  }

  /** Opens (appends to) the log file at `path`; `onLine` sees each line written (info and above). */
  static async open(path: string, server: Logger, onLine?: (line: string) => void): Promise<JobLog> {
    await mkdir(dirname(path), { recursive: true });
    const stream = createWriteStream(path, { flags: 'a' });
    let reported = false;
    stream.on('error', (err) => {
      if (reported) return;
      reported = true;
      server.warn({ path, err: err.message }, 'cannot write the fine-tuning job log');
    });
    return new JobLog(server, stream, {}, onLine);
  }

  /** The last `count` lines of the log at `path` (none when it does not exist). */
  static async tail(path: string, count: number): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .slice(-count);
  }

  #write(level: Level, obj: object, msg: string): void {
    this.#server[level](obj, msg);
    if (this.#stream.writableEnded) return;
    const text = line(level, { ...this.#bindings, ...obj }, msg);
    this.#stream.write(text);
    if (level !== 'debug') this.#onLine?.(text.trimEnd());
  }

  debug(obj: object, msg: string): void {
    this.#write('debug', obj, msg);
  }
  info(obj: object, msg: string): void {
    this.#write('info', obj, msg);
  }
  warn(obj: object, msg: string): void {
    this.#write('warn', obj, msg);
  }
  error(obj: object, msg: string): void {
    this.#write('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new JobLog(
      this.#server.child(bindings),
      this.#stream,
      { ...this.#bindings, ...bindings },
      this.#onLine,
    );
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stream.writableEnded) resolve();
      else this.#stream.end(resolve);
    });
  }
}
