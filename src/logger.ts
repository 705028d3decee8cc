/**
 * pino, configured for Corral: JSON lines to stderr and to `$CORRAL_HOME/logs/server.log`, secrets redacted.
 * Core code only sees the `Logger` port, which pino satisfies.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from './config/index.js';

export type RootLogger = pino.Logger;

export function createLogger(config: Config): RootLogger {
  const dir = join(config.home, 'logs');
  mkdirSync(dir, { recursive: true });
  const level = config.logLevel;
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
      { level, stream: pino.destination({ fd: 2, sync: false }) },
      { level, stream: pino.destination({ dest: join(dir, 'server.log'), mkdir: true, sync: false }) },
    ]),
  );
}
