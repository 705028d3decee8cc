/** What a CLI command may touch: its streams and environment, injected so tests run commands in-process. */
import { Client } from '../api/index.js';
import { hostSchema } from '../config/index.js';

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

/** The typed client pointed at `CORRAL_HOST` (0.0.0.0 and :: are reached through loopback). */
export function clientFor(io: CliIo): Client {
  const parsed = hostSchema.safeParse(io.env.CORRAL_HOST ?? '127.0.0.1:11434');
  if (!parsed.success) throw new UsageError(`invalid CORRAL_HOST "${io.env.CORRAL_HOST}"`);
  const { hostname, port } = parsed.data;
  const reach = hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '::1' : hostname;
  const host = reach.includes(':') ? `[${reach}]` : reach;
  return new Client({
    baseUrl: `http://${host}:${port}`,
    apiKey: io.env.CORRAL_API_KEY,
    signal: io.interrupted,
  });
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
