/**
 * Gateway overhead benchmark (issue #7): time to first token and streamed-token throughput of `/api/generate`
 * through a cluster gateway vs straight to the node behind it.
 *
 *   npx tsx bench/gateway.ts [--requests 200] [--ttft-tokens 1] [--long-tokens 1024] [--long-requests 10]
 *                            [--gateway-auth on|off]
 *
 * Starts a throwaway PostgreSQL, one node (`corral serve`, CORRAL_ROLE=node, auth off as docs/cluster.md
 * deploys it; both processes from the built dist/, as `npm start` runs) with a tiny model that never stops before `num_predict`, and one gateway (`corral gateway`, auth on
 * with an admin key, as it would face clients). The model is loaded first so no request pays for a load.
 * Every measurement alternates direct, bare proxy, gateway, direct… so drift on the machine hits all alike. The
 * bare proxy (`bench/helpers/bare-proxy.ts`, a plain `node:http` pass-through process) shows what any extra
 * hop costs on this machine, so the gateway's own share can be told apart.
 *  - TTFT: milliseconds from sending the request to the first streamed body chunk (a short `num_predict`);
 *  - throughput: streamed tokens (NDJSON lines before `done`) per second between the first and the last chunk
 *    of a long generation.
 * The gateway's CPU time per short request (Linux `/proc`) is printed too: on a small, busy machine most of the
 * added latency is the extra process waiting for a core, which the CPU figure separates from the gateway's work.
 * Prints a table and writes bench/results/gateway.json. Targets: ≤ 2 ms p50 added TTFT, ≥ 95% of direct
 * throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processCpuMs } from './helpers/cpu-time.js';
import { tinyModelPath } from '../test/fixtures/index.js';
import { findPostgresBinaries, startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { createAdminKey, createModelOn, spawnGateway, spawnNode } from '../test/helpers/cluster-processes.js';
import { useBuiltServer, type ServerProcess } from '../test/helpers/server-process.js';
import { printRows, writeResults } from './helpers/report.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    'ttft-tokens': { type: 'string', default: '1' },
    'long-tokens': { type: 'string', default: '1024' },
    'long-requests': { type: 'string', default: '10' },
    'gateway-auth': { type: 'string', default: 'on' },
  },
});
const REQUESTS = Number(args.requests);
const TTFT_TOKENS = Number(args['ttft-tokens']);
const LONG_TOKENS = Number(args['long-tokens']);
const LONG_REQUESTS = Number(args['long-requests']);
/** `off` measures the proxy path alone, without the per-request key lookup in PostgreSQL. */
const GATEWAY_AUTH = args['gateway-auth'] === 'off' ? 'off' : 'on';
const CONTEXT = Math.max(2048, LONG_TOKENS + 64);
const MODEL = 'tiny';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
/** Nearest-rank percentile. */
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

interface Target {
  base: string;
  headers: Record<string, string>;
}

interface Streamed {
  ttftMs: number;
  tokens: number;
  /** From the first to the last chunk. */
  streamMs: number;
}

/** One streamed `/api/generate`, read to the end. */
async function stream(target: Target, numPredict: number): Promise<Streamed> {
  const start = performance.now();
  const res = await fetch(`${target.base}/api/generate`, {
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      prompt: 'hello',
      options: { num_predict: numPredict, temperature: 0 },
    }),
  });
  if (res.status !== 200 || res.body === null) throw new Error(`${res.status}: ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let first: number | undefined;
  let last = start;
  let text = '';
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    last = performance.now();
    first ??= last;
    text += next.value;
  }
  const lines = text.trim().split('\n');
  const end = JSON.parse(lines.at(-1)!) as { done?: boolean; error?: string };
  if (end.done !== true) throw new Error(`stream did not finish: ${lines.at(-1)}`);
  return { ttftMs: first! - start, tokens: lines.length - 1, streamMs: last - first! };
}

/** Runs every measure once per round, in order, `rounds` times, and returns each one's results. */
async function alternate<K extends string, T>(rounds: number, measures: Record<K, () => Promise<T>>) {
  const out = Object.fromEntries(Object.keys(measures).map((k) => [k, [] as T[]])) as Record<K, T[]>;
  for (let i = 0; i < rounds; i++)
    for (const [key, measure] of Object.entries(measures) as Array<[K, () => Promise<T>]>)
      out[key].push(await measure());
  return out;
}

/** `bench/helpers/bare-proxy.ts` in front of `upstream`: the cost of any extra hop on this machine. */
async function startBareProxy(upstream: string): Promise<{ child: ChildProcess; url: string }> {
  const script = new URL('./helpers/bare-proxy.ts', import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script.pathname, upstream], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line]: unknown[] = await once(child.stdout, 'data');
  return { child, url: String(line).trim() };
}

async function main(): Promise<void> {
  const found = findPostgresBinaries();
  if ('reason' in found) throw new Error(`the gateway benchmark needs PostgreSQL: ${found.reason}`);
  const loadStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-gateway-'));
  let pg: TestPostgres | undefined;
  const procs: ServerProcess[] = [];
  let bare: ChildProcess | undefined;
  try {
    // The node and the gateway run what `npm start` runs: the built dist/ under plain Node, not tsx.
    useBuiltServer();
    pg = await startPostgres(found.bindir);
    const adminKey = await createAdminKey(pg.url, 'bench');

    const modelPath = await tinyModelPath({ eos: 'never', contextLength: CONTEXT });
    const cluster = { databaseUrl: pg.url, dir, heartbeat: '1s' };
    const node = await spawnNode(cluster, 'bench-node', { CORRAL_CONTEXT_LENGTH: String(CONTEXT) });
    procs.push(node);
    const gateway = await spawnGateway(cluster, 'gateway', { CORRAL_AUTH: GATEWAY_AUTH });
    procs.push(gateway);
    await createModelOn(node, MODEL, modelPath);

    const direct: Target = { base: node.url, headers: {} };
    const viaGateway: Target = { base: gateway.url, headers: { authorization: `Bearer ${adminKey}` } };
    // The gateway learns the model from the node's next heartbeat; the first request also loads the model.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await stream(viaGateway, 1);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const proxy = await startBareProxy(node.url);
    bare = proxy.child;
    const viaProxy: Target = { base: proxy.url, headers: {} };
    const short = {
      direct: () => stream(direct, TTFT_TOKENS),
      bare: () => stream(viaProxy, TTFT_TOKENS),
      gateway: () => stream(viaGateway, TTFT_TOKENS),
    };
    // Warm-up: connection pools, JIT, the model's first pages.
    await alternate(20, short);

    const cpu = () => [processCpuMs(gateway.child.pid!), processCpuMs(proxy.child.pid!)];
    const cpuBefore = cpu();
    const ttft = await alternate(REQUESTS, short);
    const cpuAfter = cpu();
    /** CPU per proxied short request of the gateway and of the bare proxy: work, apart from waiting for a core. */
    const cpuMs = (i: number) => {
      const [before, after] = [cpuBefore[i], cpuAfter[i]];
      return before === undefined || after === undefined ? undefined : (after - before) / REQUESTS;
    };
    const gatewayCpuMs = cpuMs(0);
    const bareCpuMs = cpuMs(1);
    const long = await alternate(LONG_REQUESTS, {
      direct: () => stream(direct, LONG_TOKENS),
      bare: () => stream(viaProxy, LONG_TOKENS),
      gateway: () => stream(viaGateway, LONG_TOKENS),
    });

    const rate = (s: Streamed[]) =>
      s.reduce((n, r) => n + r.tokens, 0) / (s.reduce((n, r) => n + r.streamMs, 0) / 1000);
    const stats = (s: Streamed[]) => {
      const ms = s.map((r) => r.ttftMs);
      return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
    };
    const d = stats(ttft.direct);
    const b = stats(ttft.bare);
    const g = stats(ttft.gateway);
    const throughput = { direct: rate(long.direct), bare: rate(long.bare), gateway: rate(long.gateway) };
    const added = { p50: g.p50 - d.p50, p99: g.p99 - d.p99 };
    const bareAdded = { p50: b.p50 - d.p50, p99: b.p99 - d.p99 };
    const ratio = throughput.gateway / throughput.direct;
    const targets = {
      addedTtftP50Ms: { value: added.p50, target: '≤ 2', met: added.p50 <= 2 },
      throughputRatio: { value: ratio, target: '≥ 0.95', met: ratio >= 0.95 },
    };
    const loadEnd = loadavg();
    const load = (l: number[]) => l.map((x) => round(x)).join(' ');
    const pair = (x: { p50: number; p99: number }) => `${round(x.p50)} / ${round(x.p99)} ms`;
    const rows: Array<[string, string]> = [
      ['machine', `${availableParallelism()} cores; load average ${load(loadStart)} → ${load(loadEnd)}`],
      ['gateway auth', `${GATEWAY_AUTH} (node: off)`],
      [
        'requests',
        `${REQUESTS} × TTFT (num_predict ${TTFT_TOKENS}), ${LONG_REQUESTS} × ${LONG_TOKENS} tokens`,
      ],
      ['TTFT direct p50 / p99', pair(d)],
      ['TTFT bare proxy p50 / p99', pair(b)],
      ['TTFT gateway p50 / p99', pair(g)],
      ['TTFT added by bare proxy p50 / p99', pair(bareAdded)],
      ['TTFT added by gateway p50 / p99', pair(added)],
      [
        'CPU per request: bare proxy / gateway',
        `${bareCpuMs === undefined ? 'n/a' : round(bareCpuMs)} / ${gatewayCpuMs === undefined ? 'n/a' : round(gatewayCpuMs)} ms`,
      ],
      ['throughput direct', `${round(throughput.direct, 0)} tok/s`],
      ['throughput bare proxy', `${round(throughput.bare, 0)} tok/s`],
      ['throughput gateway', `${round(throughput.gateway, 0)} tok/s`],
      ...Object.entries(targets).map(([name, t]): [string, string] => [
        `target ${name}`,
        `${round(t.value, 3)} (${t.target}) ${t.met ? 'MET' : 'NOT MET'}`,
      ]),
    ];
    printRows(rows);
    await writeResults('gateway', {
      date: new Date().toISOString(),
      cores: availableParallelism(),
      loadStart,
      loadEnd,
      gatewayAuth: GATEWAY_AUTH,
      requests: REQUESTS,
      ttftTokens: TTFT_TOKENS,
      longTokens: LONG_TOKENS,
      longRequests: LONG_REQUESTS,
      ttftMs: { direct: d, bareProxy: b, gateway: g, added, bareAdded },
      cpuMsPerRequest: { bareProxy: bareCpuMs, gateway: gatewayCpuMs },
      tokensPerSecond: throughput,
      targets,
    });
  } finally {
    bare?.kill('SIGTERM');
    for (const p of procs.reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
