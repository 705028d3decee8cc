import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMeminfo, SystemMemory } from './system-memory.js';

const KB = 1024;
const meminfo = (totalKb: number, availableKb: number): string =>
  `MemTotal:       ${totalKb} kB\nMemFree:        1000 kB\nMemAvailable:   ${availableKb} kB\nBuffers: 0 kB\n`;

describe('parseMeminfo', () => {
  it.each([
    {
      name: 'Linux meminfo',
      text: meminfo(24_684_092, 24_185_184),
      expected: { totalBytes: 24_684_092 * KB, availableBytes: 24_185_184 * KB },
    },
    {
      name: 'no MemAvailable (Linux < 3.14)',
      text: 'MemTotal: 100 kB\nMemFree: 50 kB\n',
      expected: undefined,
    },
    { name: 'empty', text: '', expected: undefined },
  ])('$name', ({ text, expected }) => {
    expect(parseMeminfo(text)).toEqual(expected);
  });
});

describe('SystemMemory', () => {
  let root: string;
  const write = async (path: string, text: string): Promise<void> => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };
  const probe = (limitBytes?: number): SystemMemory =>
    new SystemMemory({ procRoot: join(root, 'proc'), cgroupRoot: join(root, 'cgroup'), limitBytes });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'corral-memory-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads MemAvailable and MemTotal', async () => {
    await write('proc/meminfo', meminfo(16_000_000, 10_000_000));
    await expect(probe().available()).resolves.toEqual({
      freeBytes: 10_000_000 * KB,
      totalBytes: 16_000_000 * KB,
    });
  });

  it('applies the configured cap to both numbers', async () => {
    await write('proc/meminfo', meminfo(16_000_000, 10_000_000));
    await expect(probe(1e9).available()).resolves.toEqual({ freeBytes: 1e9, totalBytes: 1e9 });
  });

  it('falls back to os.totalmem()/freemem() without /proc/meminfo', async () => {
    const { totalBytes, freeBytes } = await probe().available();
    expect(totalBytes).toBe(totalmem());
    expect(freeBytes).toBeGreaterThan(0);
  });

  it('narrows to a cgroup v2 limit, counting reclaimable page cache as free', async () => {
    await write('proc/meminfo', meminfo(16_000_000, 10_000_000));
    await write('proc/self/cgroup', '0::/kubepods/pod1\n');
    await write('cgroup/kubepods/pod1/memory.max', `${4 * 2 ** 30}\n`);
    await write('cgroup/kubepods/pod1/memory.current', `${3 * 2 ** 30}\n`);
    await write('cgroup/kubepods/pod1/memory.stat', `anon 100\ninactive_file ${2 ** 30}\nactive_file 5\n`);
    await write('cgroup/kubepods/memory.max', 'max\n');
    await expect(probe().available()).resolves.toEqual({ freeBytes: 2 * 2 ** 30, totalBytes: 4 * 2 ** 30 });
  });

  it('uses the tightest cgroup v1 limit among the process cgroup and its ancestors', async () => {
    await write('proc/meminfo', meminfo(16_000_000, 10_000_000));
    await write('proc/self/cgroup', '4:memory:/slice/service\n0::/\n');
    await write('cgroup/memory/memory.limit_in_bytes', '9223372036854771712\n');
    await write('cgroup/memory/slice/memory.limit_in_bytes', `${2 * 2 ** 30}\n`);
    await write('cgroup/memory/slice/memory.usage_in_bytes', `${2 ** 30}\n`);
    await write('cgroup/memory/slice/service/memory.limit_in_bytes', `${8 * 2 ** 30}\n`);
    await write('cgroup/memory/slice/service/memory.usage_in_bytes', `${2 ** 30}\n`);
    await expect(probe().available()).resolves.toEqual({ freeBytes: 2 ** 30, totalBytes: 2 * 2 ** 30 });
  });
});
