/**
 * Runs a command in a pseudo-terminal through util-linux `script`, so interactive code sees a real TTY.
 * `expect(text)` waits until the terminal output (since the last match) contains `text`.
 */
import { spawn } from 'node:child_process';

export interface Pty {
  write(text: string): void;
  expect(text: string | RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  exited: Promise<number | null>;
  kill(): void;
}

export function spawnPty(command: string, env: Record<string, string>): Pty {
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let cursor = 0;
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    write: (text) => void child.stdin.write(text),
    output: () => out,
    exited,
    kill: () => void child.kill('SIGKILL'),
    expect(text, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const rest = out.slice(cursor);
          const index = typeof text === 'string' ? rest.indexOf(text) : rest.search(text);
          if (index < 0) return;
          const length = typeof text === 'string' ? text.length : (rest.match(text)?.[0].length ?? 0);
          cursor += index + length;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(rest.slice(0, index + length));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${String(text)}; output so far:\n${out.slice(cursor)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
