/**
 * Vitest global setup for the console tests: they drive the built console (dist/web), so build it once per run
 * when it is missing or older than its sources (web/, src/api/, src/lib/, vite.config.ts). A fresh build takes
 * a few seconds; an up-to-date one costs a directory walk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const sources = ['web', 'src/api', 'src/lib', 'vite.config.ts', 'package-lock.json'];
const built = 'dist/web/index.html';

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Whether dist/web must be (re)built. */
export function consoleStale(): boolean {
  return !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest));
}

export default function setup(): void {
  if (!consoleStale()) return;
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}
