/**
 * Runs `corral serve` as a real child process, for crash and signal tests: from the TypeScript sources (through
 * tsx), or from the built `dist/` after {@link useBuiltServer} — what `npm start` runs, for the benchmarks.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let entry = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];

/** Later processes run the built CLI (`dist/cli/main.js`, built first when stale) with plain Node. */
export function useBuiltServer(): void {
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../../scripts/build-if-needed.mjs', import.meta.url))],
    {
      stdio: 'inherit',
    },
  );
  entry = [fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))];
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `command` is `serve` (default) or `gateway` (a cluster gateway, issue #7); `args` are its flags. */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 30_000,
  command: 'serve' | 'gateway' = 'serve',
  args: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...entry, command, ...args], {
    env: { ...process.env, CORRAL_HOST: '127.0.0.1:0', CORRAL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${err}`)), timeoutMs);
    const onData = () => {
      const m = /Corral (?:gateway )?is listening on (https?:\/\/[^\s]+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr?.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${err}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => err, exited };
}
