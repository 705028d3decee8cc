/**
 * CPU time of processes the pull benchmark does not run in-process: the registry (a long-lived child) and the
 * curl / sha256sum runs (finished children), read from Linux's `/proc/<pid>/stat` (`utime`/`stime` and
 * `cutime`/`cstime`, fields 14–17, in USER_HZ ticks, which Linux fixes at 100 per second for this interface).
 * Elsewhere the figures are `undefined` and the benchmark prints no CPU column values.
 */
import { existsSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

function statFields(pid: number | 'self'): number[] | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain numbers.
  const text = readFileSync(path, 'utf8');
  return text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

/** CPU milliseconds (user + system) that process `pid` has used so far. */
export function processCpuMs(pid: number): number | undefined {
  const f = statFields(pid);
  return f && (f[11]! + f[12]!) * TICK_MS; // utime, stime (fields 14 and 15)
}

/** CPU milliseconds used by this process's children that have finished and were waited for. */
export function finishedChildrenCpuMs(): number | undefined {
  const f = statFields('self');
  return f && (f[13]! + f[14]!) * TICK_MS; // cutime, cstime (fields 16 and 17)
}
