/**
 * Pull throughput from a loopback registry (its own process) against `curl` fetching the same blob from the same
 * server, and against `curl` followed by `sha256sum` (the same download, verified with standard tools). Corral's
 * time covers the whole pull: manifest, ranged parts, sha256 verification, fsync, commit and manifest write. It
 * is measured in a long-lived plain-Node process over a compiled build (`.tmp/bench-dist`), as `corral serve`
 * runs; the tsx loader of development changes garbage collection enough to skew the figure. Runs on tmpfs
 * (/dev/shm: the network and verification pipeline alone) and on the disk (where Corral's fsync, which curl does
 * not do, is paid at disk speed). Rounds alternate tools so background load hits all alike; medians are reported.
 * Beside the rates it reports CPU seconds per GiB of the client (curl, or Corral's whole process: receive, write,
 * hash) and of the registry process serving it: client and server share the machine's cores, so on a small
 * machine the CPU each byte costs, more than any wait, sets the rate.
 * Writes bench/results/pull.json. `PULL_BENCH_MB` (default 512) and `PULL_BENCH_ROUNDS` (default 5) adjust it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { finishedChildrenCpuMs, processCpuMs } from './helpers/cpu-time.js';
import { writeResults } from './helpers/report.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const SIZE_MB = Number(process.env.PULL_BENCH_MB ?? 512);
const ROUNDS = Number(process.env.PULL_BENCH_ROUNDS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Variant = 'curl' | 'curl+sha256sum' | 'corral-1' | 'corral-4';
interface Registry {
  url: string;
  host: string;
  digest: string;
  size: number;
  /** CPU milliseconds the registry process has used so far. */
  cpuMs(): number | undefined;
  stop(): void;
}
/** One timed pull: wall time, and CPU time of the client and of the registry (undefined off Linux). */
interface Run {
  ms: number;
  clientCpuMs: number | undefined;
  serverCpuMs: number | undefined;
}

function blobFile(): string {
  const dir = join(tmpdir(), 'corral-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `pull-blob-${SIZE_MB}mb.bin`);
  if (existsSync(path) && statSync(path).size === SIZE_MB * MB) return path;
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(8 * MB);
  for (let i = 0; i < SIZE_MB / 8; i++) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);
  return path;
}

function buildSources(): string {
  const out = join(ROOT, '.tmp', 'bench-dist');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return out;
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  const next = await createInterface({ input: stream })[Symbol.asyncIterator]().next();
  if (next.done) throw new Error('the child process exited before answering');
  return next.value;
}

async function startRegistry(path: string): Promise<Registry> {
  const script = fileURLToPath(new URL('./helpers/registry-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = JSON.parse(await firstLine(child.stdout)) as Omit<Registry, 'stop' | 'cpuMs'>;
  return {
    ...info,
    cpuMs: () => (child.pid === undefined ? undefined : processCpuMs(child.pid)),
    stop: () => void child.kill('SIGTERM'),
  };
}

/** The long-lived client process (see helpers/pull-client.mjs): one pull per request line. */
function startClient(dist: string) {
  const script = fileURLToPath(new URL('./helpers/pull-client.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, dist], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async pull(dir: string, model: string, parts: number): Promise<{ ms: number; cpuMs: number }> {
      child.stdin.write(`${dir} ${model} ${parts}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('the pull client exited');
      return JSON.parse(next.value) as { ms: number; cpuMs: number };
    },
    stop: () => void child.stdin.end(),
  };
}

async function timeOnce(
  variant: Variant,
  base: string,
  reg: Registry,
  client: ReturnType<typeof startClient>,
): Promise<Run> {
  const dir = mkdtempSync(join(base, 'corral-pull-bench-'));
  const server = reg.cpuMs();
  const since = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? undefined : after - before;
  try {
    if (variant.startsWith('corral')) {
      const r = await client.pull(dir, `${reg.host}/bench/blob`, variant === 'corral-1' ? 1 : 4);
      return { ms: r.ms, clientCpuMs: r.cpuMs, serverCpuMs: since(server, reg.cpuMs()) };
    }
    const children = finishedChildrenCpuMs();
    const start = performance.now();
    execFileSync('curl', ['-sf', '-o', join(dir, 'blob'), `${reg.url}/v2/bench/blob/blobs/${reg.digest}`]);
    if (variant === 'curl+sha256sum') {
      const sum = execFileSync('sha256sum', [join(dir, 'blob')], { encoding: 'utf8' });
      if (!sum.startsWith(reg.digest.slice(7))) throw new Error('curl fetched a corrupt blob');
    }
    const ms = performance.now() - start;
    return {
      ms,
      clientCpuMs: since(children, finishedChildrenCpuMs()),
      serverCpuMs: since(server, reg.cpuMs()),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('sync'); // the next run starts without this one's dirty pages
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const percent = (x: number) => `${(x * 100).toFixed(0)}%`;
/** Median CPU seconds per GiB, or undefined when the CPU time could not be read. */
const cpuPerGiB = (ms: Array<number | undefined>, bytes: number) =>
  ms.every((m) => m !== undefined) ? median(ms) / 1000 / (bytes / GB) : undefined;
const cpuCell = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2)).padStart(8);

const path = blobFile();
const dist = buildSources();
const reg = await startRegistry(path);
const client = startClient(dist);
const locations = [
  ...(existsSync('/dev/shm') ? [{ name: 'tmpfs', dir: '/dev/shm' }] : []),
  { name: 'disk', dir: tmpdir() },
];
const variants: Variant[] = ['curl', 'curl+sha256sum', 'corral-1', 'corral-4'];
const loadStart = loadavg();
const rows: Array<{
  location: string;
  variant: Variant;
  mbps: number[];
  median: number;
  best: number;
  vsCurl: number;
  vsVerifiedCurl: number;
  clientCpuSecPerGiB: number | undefined;
  serverCpuSecPerGiB: number | undefined;
}> = [];
try {
  for (const loc of locations) {
    const runs = new Map<Variant, Run[]>(variants.map((v) => [v, []]));
    await timeOnce('corral-4', loc.dir, reg, client); // warm-up: page cache, JIT, connections
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) runs.get(v)!.push(await timeOnce(v, loc.dir, reg, client));
    }
    const rate = (r: Run) => reg.size / MB / (r.ms / 1000);
    const curl = median(runs.get('curl')!.map(rate));
    const verified = median(runs.get('curl+sha256sum')!.map(rate));
    for (const [variant, rs] of runs) {
      const mbps = rs.map(rate);
      const m = median(mbps);
      rows.push({
        location: loc.name,
        variant,
        mbps,
        median: m,
        best: Math.max(...mbps),
        vsCurl: m / curl,
        vsVerifiedCurl: m / verified,
        clientCpuSecPerGiB: cpuPerGiB(
          rs.map((r) => r.clientCpuMs),
          reg.size,
        ),
        serverCpuSecPerGiB: cpuPerGiB(
          rs.map((r) => r.serverCpuMs),
          reg.size,
        ),
      });
    }
  }
} finally {
  client.stop();
  reg.stop();
}

console.log(
  `pull throughput, ${SIZE_MB} MiB blob over loopback, median of ${ROUNDS} rounds (MiB/s), ${cpus().length} cores`,
);
console.log(
  'location  tool             median     best   vs curl   vs curl+sha256sum   CPU s/GiB: client  server',
);
for (const r of rows) {
  const cells = [
    r.median.toFixed(0).padStart(7),
    r.best.toFixed(0).padStart(8),
    percent(r.vsCurl).padStart(9),
    percent(r.vsVerifiedCurl).padStart(19),
    cpuCell(r.clientCpuSecPerGiB).padStart(19),
    cpuCell(r.serverCpuSecPerGiB),
  ];
  console.log(`${r.location.padEnd(9)} ${r.variant.padEnd(15)} ${cells.join(' ')}`);
}
await writeResults('pull', {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  node: process.version,
  bytes: reg.size,
  rounds: ROUNDS,
  loadStart,
  loadEnd: loadavg(),
  target: 0.8,
  note:
    'corral-N: a Corral pull with N parallel parts, sha256 verification, fsync and commit included; ' +
    'CPU: seconds per GiB (median) of the client process (curl: curl, plus sha256sum where named) and of the registry',
  results: rows,
});
