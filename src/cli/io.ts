/** What a CLI command may touch: its streams and environment, injected so tests run commands in-process. */
import { Client } from '../api/index.js';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { hostSchema } from '../config/index.js';
import { credentialsPath, savedKey } from './credentials.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); `serve` waits on it. */
  interrupted: AbortSignal;
}

/** Thrown for wrong arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The server URL the CLI talks to: `CORRAL_HOST` (0.0.0.0 and :: are reached through loopback). */
export function serverUrl(io: CliIo): string {
  const parsed = hostSchema.safeParse(io.env.CORRAL_HOST ?? '127.0.0.1:11434');
  if (!parsed.success) throw new UsageError(`invalid CORRAL_HOST "${io.env.CORRAL_HOST}"`);
  const { hostname, port } = parsed.data;
  const reach = hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '::1' : hostname;
  const host = reach.includes(':') ? `[${reach}]` : reach;
  const scheme = /^\s*https:\/\//i.test(io.env.CORRAL_HOST ?? '') ? 'https' : 'http';
  return `${scheme}://${host}:${port}`;
}

/**
 * The typed client for {@link serverUrl}, with `CORRAL_API_KEY` or the key `corral login` saved (`anonymous`:
 * none, for signing in).
 */
export function clientFor(io: CliIo, options: { anonymous?: boolean } = {}): Client {
  const baseUrl = serverUrl(io);
  return new Client({
    baseUrl,
    apiKey:
      options.anonymous === true
        ? undefined
        : io.env.CORRAL_API_KEY || savedKey(credentialsPath(io.env), baseUrl),
    signal: io.interrupted,
  });
}

/** Read a secret: the first line of stdin when piped (`--password-stdin`), else a prompt without echo. */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  if (io.stdin.isTTY !== true) {
    const rl = createInterface({ input: io.stdin });
    const first = await rl[Symbol.asyncIterator]().next();
    rl.close();
    if (first.done === true || first.value === '') throw new UsageError('no password on standard input');
    return first.value;
  }
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  io.stderr.write(prompt);
  const rl = createInterface({ input: io.stdin, output: muted, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
