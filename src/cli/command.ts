/** The shape of one CLI command; each lives in its own file under `commands/`. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CliIo } from './io.js';

export interface Command {
  name: string;
  aliases?: string[];
  summary: string;
  /** Usage text shown by `corral help <command>` and on usage errors. */
  usage: string;
  /** Runs the command; resolves with the exit code (0 when omitted). */
  run(args: string[], io: CliIo): Promise<number | void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `util.parseArgs` with strict checking, turning its errors into {@link UsageError}s. */
export function parseCommandArgs<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
