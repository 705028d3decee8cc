/**
 * Pull throughput from a loopback registry (a separate process) against `curl` downloading the same blob from the
 * same server. Corral's time covers the whole pull: manifest, parallel ranged parts, sha256 verification, fsync,
 * commit and manifest write, measured in a long-lived plain-Node process over a compiled build
 * (`.tmp/bench-dist`), as `corral serve` runs; the tsx loader of development changes garbage collection enough
 * to skew the figure. Runs on tmpfs (/dev/shm: the network and verification pipeline, as curl writes to
 * the page cache) and on the disk (where the fsync Corral does and curl does not is paid at disk speed).
 * Rounds alternate tools so background load hits both alike; medians are reported.
 * Writes bench/results/pull.json. `PULL_BENCH_MB` (default 512) and `PULL_BENCH_ROUNDS` (default 5) adjust it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.PULL_BENCH_MB ?? 512);
const ROUNDS = Number(process.env.PULL_BENCH_ROUNDS ?? 5);

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

async function startRegistryProcess(path: string) {
  const script = fileURLToPath(new URL('./helpers/registry-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
  const info = JSON.parse(line as string) as { url: string; host: string; digest: string; size: number };
  return { ...info, stop: () => child.kill('SIGTERM') };
}

type Variant = 'curl' | 'corral-1' | 'corral-4';

function buildSources(): string {
  const out = join(fileURLToPath(new URL('..', import.meta.url)), '.tmp', 'bench-dist');
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
  return out;
}

/** The long-lived client process (see helpers/pull-client.mjs): one pull per request line. */
function startClient(dist: string) {
  const script = fileURLToPath(new URL('./helpers/pull-client.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, dist], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async pull(dir: string, model: string, parts: number): Promise<number> {
      child.stdin.write(`${dir} ${model} ${parts}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('the pull client exited');
      return (JSON.parse(next.value as string) as { ms: number }).ms;
    },
    stop: () => child.stdin.end(),
  };
}

type Client = ReturnType<typeof startClient>;

async function timeOnce(variant: Variant, base: string, reg: { url: string; host: string; digest: string }, client: Client): Promise<number> {
  const dir = mkdtempSync(join(base, 'corral-pull-bench-'));
  try {
    if (variant === 'curl') {
      const start = performance.now();
      execFileSync('curl', ['-sf', '-o', join(dir, 'blob'), `${reg.url}/v2/bench/blob/blobs/${reg.digest}`]);
      return performance.now() - start;
    }
    return await client.pull(dir, `${reg.host}/bench/blob`, variant === 'corral-1' ? 1 : 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('sync'); // the next run starts without this one's dirty pages
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const path = blobFile();
const dist = buildSources();
const reg = await startRegistryProcess(path);
const client = startClient(dist);
const locations = [...(existsSync('/dev/shm') ? [{ name: 'tmpfs', dir: '/dev/shm' }] : []), { name: 'disk', dir: tmpdir() }];
const variants: Variant[] = ['curl', 'corral-1', 'corral-4'];
const loadStart = loadavg();
const rows: Array<{ location: string; variant: Variant; mbps: number[]; median: number; best: number; vsCurl: number }> = [];
try {
  for (const loc of locations) {
    const speeds = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    await timeOnce('corral-4', loc.dir, reg, client); // warm-up: page cache, JIT, connections
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) speeds.get(v)!.push(reg.size / MB / ((await timeOnce(v, loc.dir, reg, client)) / 1000));
    }
    const curl = median(speeds.get('curl')!);
    for (const v of variants) {
      const mbps = speeds.get(v)!;
      rows.push({ location: loc.name, variant: v, mbps, median: median(mbps), best: Math.max(...mbps), vsCurl: median(mbps) / curl });
    }
  }
} finally {
  client.stop();
  reg.stop();
}

console.log(`pull throughput, ${SIZE_MB} MiB blob over loopback, median of ${ROUNDS} rounds (MiB/s)`);
console.log('location  tool       median     best   vs curl');
for (const r of rows) {
  console.log(
    `${r.location.padEnd(9)} ${r.variant.padEnd(9)} ${r.median.toFixed(0).padStart(7)} ${r.best.toFixed(0).padStart(8)} ${`${(r.vsCurl * 100).toFixed(0)}%`.padStart(9)}`,
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/pull.json', import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      bytes: reg.size,
      rounds: ROUNDS,
      loadStart,
      loadEnd: loadavg(),
      target: 0.8,
      note: 'corral-N: Corral pull with N parallel parts, including sha256 verification, fsync and commit',
      results: rows,
    },
    null,
    2,
  )}\n`,
);
