/**
 * The logging port core code receives. pino's logger satisfies it; tests pass {@link silentLogger}.
 * Messages are fixed lowercase phrases; data goes in the first argument: `log.info({ model, ms }, 'model loaded')`.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, and code paths that have nowhere to log). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
