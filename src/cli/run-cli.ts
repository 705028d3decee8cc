/** Parses the command line and runs one command. Exit codes: 0 ok, 1 failure, 2 usage or configuration. */
import { ApiError } from '../api/index.js';
import { isAppError } from '../core/index.js';
import { VERSION } from '../version.js';
import { findCommand, commands } from './commands/index.js';
import { clientFor, print, UsageError, type CliIo } from './io.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Corral: run, serve and manage open large language models.',
    '',
    'Usage:',
    '  corral [command]',
    '',
    'Available commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Flags:',
    '  -h, --help      Help for corral',
    '  -v, --version   Show version information',
    '',
    'Use "corral [command] --help" for more information about a command.',
  ].join('\n');
}

async function version(io: CliIo): Promise<number> {
  try {
    const server = await clientFor(io).version();
    print(io.stdout, `corral version is ${server.version}`);
    if (server.version !== VERSION) print(io.stderr, `Warning: client version is ${VERSION}`);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'SERVER_UNREACHABLE') throw err;
    print(io.stderr, 'Warning: could not connect to a running Corral instance');
    print(io.stderr, `Warning: client version is ${VERSION}`);
  }
  return 0;
}

/** Run the CLI with `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const target = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    print(io.stdout, target ? `${target.summary}\n\nUsage:\n  ${target.usage}` : help());
    return 0;
  }
  if (name === '-v' || name === '--version') return version(io);
  const command = findCommand(name);
  if (command === undefined) {
    print(io.stderr, `Error: unknown command "${name}" for "corral"\n\nRun 'corral --help' for usage.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    print(io.stdout, `${command.summary}\n\nUsage:\n  ${command.usage}`);
    return 0;
  }
  try {
    return (await command.run(rest, io)) ?? 0;
  } catch (err) {
    if (io.interrupted.aborted) return 130;
    if (err instanceof UsageError) {
      print(io.stderr, `Error: ${err.message}\n\nUsage:\n  ${command.usage}`);
      return 2;
    }
    if (isAppError(err, 'CONFIG_INVALID')) {
      print(io.stderr, `Error: ${err.message}`);
      return 2;
    }
    if (err instanceof ApiError || isAppError(err)) {
      print(io.stderr, `Error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
