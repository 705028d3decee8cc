/**
 * Shared knobs of the hostile-conditions suite (issue #10, docs/reliability.md). Short mode runs in `npm test`;
 * `CORRAL_CHAOS=long` (`npm run test:chaos`) runs the long versions. `CORRAL_CHAOS_SEED` replays a fuzz run.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LONG = process.env.CORRAL_CHAOS === 'long';
export const MODE = LONG ? 'long' : 'short';

/** The fast-check seed: fixed unless overridden, so CI failures replay. */
export const SEED = Number(process.env.CORRAL_CHAOS_SEED ?? 20_241_110);

/** `short` in `npm test`, `long` under `CORRAL_CHAOS=long`. */
export function scale(short: number, long: number): number {
  return LONG ? long : short;
}

const RESULTS = join(process.cwd(), 'test-results', 'chaos');

/**
 * Print a scenario's figures and keep them in `test-results/chaos/<mode>-<name>.json` (docs/reliability.md
 * quotes the last run). Printed on stderr so Vitest shows them even for passing tests.
 */
export function report(name: string, figures: Record<string, unknown>): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? round(v) : JSON.stringify(v)}`)
    .join(' ');
  process.stderr.write(`[chaos:${MODE}] ${name}: ${line}\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, `${MODE}-${name}.json`),
    `${JSON.stringify({ mode: MODE, ...figures }, null, 2)}\n`,
  );
}

const round = (v: number) => (Number.isInteger(v) ? v : Math.round(v * 100) / 100);

/** Percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Resident set size of this process in MiB (from /proc, cheaper and more current than process.memoryUsage). */
export function rssMiB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Pids of the runner processes (src/engine/runner-child) whose parent is `pid`. */
export function runnerPids(pid = process.pid): number[] {
  return childPids(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('runner-child');
    } catch {
      return false; // it exited meanwhile
    }
  });
}

/** Pids of the direct children of `pid`. */
export function childPids(pid = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // The process ended between readdir and read: it is not a child any more.
      continue;
    }
  }
  return out;
}

/** Poll `check` until it is true or `ms` passes (then throw with `what`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reject with a clear message when `promise` takes longer than `ms` ("never hangs"). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
