/**
 * pino, configured for Corral: JSON lines to stderr, to `$CORRAL_HOME/logs/server.log` and (when given) to an
 * in-memory {@link LogRing} for `GET /api/logs`, secrets redacted before any of them sees a line.
 * Core code only sees the `Logger` port, which pino satisfies.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from './config/index.js';
import type { LogRing } from './lib/index.js';

export type RootLogger = pino.Logger;

/** Where else lines go: `ring` keeps the recent ones; `stderr: false` silences the terminal (tests). */
export interface LoggerOptions {
  ring?: LogRing;
  stderr?: boolean;
}

export function createLogger(config: Config, options: LoggerOptions = {}): RootLogger {
  const dir = join(config.home, 'logs');
  mkdirSync(dir, { recursive: true });
  const level = config.logLevel;
  // The file opens asynchronously; a log file that cannot be opened or written (its folder removed, disk full)
  // is reported once on stderr and never takes the server down.
  const file = pino.destination({ dest: join(dir, 'server.log'), mkdir: true, sync: false });
  let reported = false;
  file.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`corral: cannot write the log file ${join(dir, 'server.log')}: ${err.message}\n`);
  });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          '*.authorization',
          '*.cookie',
          '*.apiKey',
          '*.password',
          '*.passwordHash',
          '*.secretHash',
          '*.token',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    pino.multistream([
      ...(options.stderr === false ? [] : [{ level, stream: pino.destination({ fd: 2, sync: false }) }]),
      { level, stream: file },
      ...(options.ring === undefined ? [] : [{ level, stream: options.ring }]),
    ]),
  );
}
