/**
 * The real {@link MemoryProbe}: Linux `/proc/meminfo` (`MemAvailable`, `MemTotal`), narrowed by the memory limit of
 * the cgroup Corral runs in (containers, systemd slices; v2 and v1) and by a configured cap. Where `/proc/meminfo`
 * cannot be read (macOS, Windows) it uses `os.freemem()` / `os.totalmem()`.
 */
import { readFile } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import type { MemoryProbe } from '../core/index.js';

/** Options of {@link SystemMemory}. */
export interface SystemMemoryOptions {
  /** Most bytes Corral may use for models (e.g. `CORRAL_MEMORY_LIMIT`); absent: what the machine has. */
  limitBytes?: number;
  /** Where `meminfo` and `self/cgroup` are read (tests point it at a fixture folder). Default `/proc`. */
  procRoot?: string;
  /** Where cgroup file systems are mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
}

/** Memory of the machine as {@link parseMeminfo} reads it. */
export interface Meminfo {
  totalBytes: number;
  availableBytes: number;
}

/** Parse `/proc/meminfo`; `undefined` when `MemTotal` or `MemAvailable` (Linux ≥ 3.14) is missing. */
export function parseMeminfo(text: string): Meminfo | undefined {
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const totalBytes = field('MemTotal');
  const availableBytes = field('MemAvailable');
  return totalBytes === undefined || availableBytes === undefined
    ? undefined
    : { totalBytes, availableBytes };
}

// A cgroup limit at or above this means "no limit" (v1 writes 2^63 rounded down to a page).
const UNLIMITED = 2 ** 60;

/** Files of the memory controller in cgroup v2 and v1. */
const LAYOUTS = [
  { version: 2, mount: '', limit: 'memory.max', usage: 'memory.current', inactive: 'inactive_file' },
  {
    version: 1,
    mount: 'memory',
    limit: 'memory.limit_in_bytes',
    usage: 'memory.usage_in_bytes',
    inactive: 'total_inactive_file',
  },
] as const;

/** Reads free and total memory; see the module comment. Stateless: every call reads fresh numbers. */
export class SystemMemory implements MemoryProbe {
  readonly #limitBytes: number | undefined;
  readonly #procRoot: string;
  readonly #cgroupRoot: string;

  constructor(options: SystemMemoryOptions = {}) {
    if (options.limitBytes !== undefined && !(options.limitBytes >= 0)) {
      throw new RangeError(`memory limit must be >= 0 bytes, got ${options.limitBytes}`);
    }
    this.#limitBytes = options.limitBytes;
    this.#procRoot = options.procRoot ?? '/proc';
    this.#cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  }

  async available(): Promise<{ freeBytes: number; totalBytes: number }> {
    const meminfo = parseMeminfo((await readOptional(join(this.#procRoot, 'meminfo'))) ?? '');
    let totalBytes = meminfo?.totalBytes ?? totalmem();
    let freeBytes = meminfo?.availableBytes ?? freemem();
    const cgroup = await this.#cgroupHeadroom();
    if (cgroup) {
      totalBytes = Math.min(totalBytes, cgroup.limitBytes);
      freeBytes = Math.min(freeBytes, cgroup.freeBytes);
    }
    if (this.#limitBytes !== undefined) {
      totalBytes = Math.min(totalBytes, this.#limitBytes);
      freeBytes = Math.min(freeBytes, this.#limitBytes);
    }
    return { freeBytes: Math.max(0, freeBytes), totalBytes };
  }

  /**
   * The tightest memory limit on this process's cgroup and its ancestors, and the room left under it. Usage counts
   * like the kubelet's working set: `usage − inactive_file` (page cache the kernel reclaims before it OOM-kills).
   */
  async #cgroupHeadroom(): Promise<{ limitBytes: number; freeBytes: number } | undefined> {
    const self = await readOptional(join(this.#procRoot, 'self/cgroup'));
    if (self === undefined) return undefined;
    let best: { limitBytes: number; freeBytes: number } | undefined;
    for (const layout of LAYOUTS) {
      const path = cgroupPath(self, layout.version);
      if (path === undefined) continue;
      const mount = join(this.#cgroupRoot, layout.mount);
      // Walk from the process's cgroup up to the mount point; inside a cgroup namespace the deeper folders do not
      // exist and the mount point itself is the container's cgroup.
      const segments = path.split('/').filter((s) => s !== '');
      for (let depth = segments.length; depth >= 0; depth--) {
        const dir = join(mount, ...segments.slice(0, depth));
        const limitBytes = Number((await readOptional(join(dir, layout.limit)))?.trim());
        if (Number.isFinite(limitBytes) && limitBytes < UNLIMITED) {
          const usage = Number((await readOptional(join(dir, layout.usage)))?.trim() ?? 0);
          const stat = (await readOptional(join(dir, 'memory.stat'))) ?? '';
          const inactive = Number(new RegExp(`^${layout.inactive} (\\d+)`, 'm').exec(stat)?.[1] ?? 0);
          const freeBytes = limitBytes - Math.max(0, usage - inactive);
          if (!best || freeBytes < best.freeBytes) best = { limitBytes, freeBytes };
        }
      }
    }
    return best;
  }
}

/** The cgroup path of this process for the v2 hierarchy (`0::/path`) or the v1 memory controller. */
function cgroupPath(selfCgroup: string, version: 1 | 2): string | undefined {
  for (const line of selfCgroup.split('\n')) {
    const [id, controllers, path] = line.split(':', 3);
    if (path === undefined) continue;
    if (version === 2 && id === '0' && controllers === '') return path;
    if (version === 1 && controllers?.split(',').includes('memory')) return path;
  }
  return undefined;
}

/** A file's text, or `undefined` when it does not exist or cannot be read. */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    // Absent files are the normal case off Linux or outside a limited cgroup; any other failure (a permission error
    // on one cgroup file) also just means this source of numbers is unavailable: the others still apply.
    return undefined;
  }
}
