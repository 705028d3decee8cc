/**
 * Batching and runner-overhead benchmark on a ~220 M-parameter F16 random llama model (CPU).
 *
 *   npx tsx bench/batching.ts [--params 220e6] [--tokens 48] [--repeats 3]
 *
 * Speeds are tokens generated / wall seconds of a greedy request with a short prompt, after a warm-up; every
 * comparison is measured interleaved (A, B, A, B…) and the best round of each kept, because other processes on a
 * small machine only ever slow a run down and drift between phases would bias a comparison.
 *  1. in-process node-llama-cpp single stream with 1..cores threads → the best thread count;
 *  2. one runner process (one context, 8 sequences, best threads) with 1, 2, 4, 8 concurrent requests, interleaved
 *     with in-process single stream at the same thread count;
 *  3. two runners (two models, 1 thread each) decoding at once vs each alone.
 * Prints a table and writes bench/results/batching.json. Targets: runner ≥ 95% of in-process single stream;
 * two models at once each ≥ 80% of alone; 4 streams ≥ 2× single-stream aggregate.
 */
import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { silentLogger, type Runner, type RunnerLoadSpec } from '../src/core/index.js';
import { createProcessRunnerFactory } from '../src/engine/index.js';
import { writeLargeModel } from '../test/fixtures/index.js';
import { printRows, writeResults } from './helpers/report.js';

const { values: args } = parseArgs({
  options: {
    params: { type: 'string', default: '220e6' },
    tokens: { type: 'string', default: '48' },
    repeats: { type: 'string', default: '3' },
  },
});
const PARAMS = Number(args.params);
const TOKENS = Number(args.tokens);
const REPEATS = Number(args.repeats);
const STREAMS = [1, 2, 4, 8];
const PROMPTS = [
  'Once upon a time',
  'The capital of France is',
  'def main():',
  'In the beginning',
  'Dear diary,',
];
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
let promptCounter = 0;
/** A prompt no earlier request had, so the prefix cache does not shorten prompt evaluation. */
const nextPrompt = () => `${PROMPTS[promptCounter % PROMPTS.length]} ${promptCounter++}`;

/** A cached benchmark model (keyed by size and seed only, so fixture edits do not force a regeneration). */
async function benchModel(seed: number): Promise<string> {
  const dir = join(tmpdir(), 'corral-bench');
  const path = join(dir, `llama-${PARAMS}-seed${seed}-f16.gguf`);
  if (
    await access(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  console.error(`generating ${path} …`);
  try {
    await writeLargeModel(temp, { params: PARAMS, seed });
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}

/** node-llama-cpp in this process: one context, one sequence. */
async function inProcess(modelPath: string, threads: number) {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads });
  const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
  const speed = async (): Promise<number> => {
    const start = performance.now();
    let tokens = 0;
    await completion.generateCompletion(nextPrompt(), {
      temperature: 0,
      maxTokens: TOKENS,
      repeatPenalty: false,
      onToken: (t) => (tokens += t.length),
    });
    return tokens / ((performance.now() - start) / 1000);
  };
  await speed(); // warm-up: faults the mapped weights in
  return {
    speed,
    close: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/** Aggregate tokens/s of `n` concurrent greedy requests through `runner`. */
async function concurrent(runner: Runner, n: number): Promise<number> {
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      runner.generate(
        { prompt: nextPrompt(), options: { temperature: 0, num_predict: TOKENS, repeat_penalty: 1 } },
        {},
      ),
    ),
  );
  return results.reduce((sum, r) => sum + r.evalTokens, 0) / ((performance.now() - start) / 1000);
}

/** Runs every measurement of `rounds` once per round, in order, and keeps each one's best value. */
async function interleaved<K extends string>(rounds: number, measures: Record<K, () => Promise<number>>) {
  const best = {} as Record<K, number>;
  for (let r = 0; r < rounds; r++)
    for (const [key, measure] of Object.entries(measures) as Array<[K, () => Promise<number>]>)
      best[key] = Math.max(best[key] ?? 0, await measure());
  return best;
}

const spec = (modelPath: string, threads: number, parallel: number): RunnerLoadSpec => ({
  modelPath,
  adapters: [],
  contextSize: 512,
  parallel,
  threads,
  gpu: 'cpu',
  useMmap: true,
});

async function main(): Promise<void> {
  const cores = availableParallelism();
  const loadStart = loadavg();
  const [modelA, modelB] = [await benchModel(1), await benchModel(2)];
  const bytes = (await stat(modelA)).size;
  const factory = createProcessRunnerFactory({ log: silentLogger });

  // 1. In-process single stream per thread count.
  const threadSpeeds: Record<number, number> = {};
  for (let t = 1; t <= cores; t++) {
    const llama = await inProcess(modelA, t);
    threadSpeeds[t] = (await interleaved(REPEATS, { s: llama.speed })).s;
    await llama.close();
  }
  const bestThreads = Number(Object.entries(threadSpeeds).sort((a, b) => b[1] - a[1])[0]![0]);

  // 2. One runner with 8 sequences vs in-process, same thread count, interleaved.
  const direct = await inProcess(modelA, bestThreads);
  const runner = await factory(spec(modelA, bestThreads, 8));
  let phase2: Record<string, number>;
  try {
    await concurrent(runner, 1);
    phase2 = await interleaved(REPEATS, {
      inProcess: direct.speed,
      ...Object.fromEntries(STREAMS.map((n) => [`runner${n}`, () => concurrent(runner, n)])),
    });
  } finally {
    await Promise.all([runner.close(), direct.close()]);
  }
  const aggregate = Object.fromEntries(STREAMS.map((n) => [n, phase2[`runner${n}`]!]));
  const single = aggregate[1]!;

  // 3. Two runners, two models, one thread each: alone and at once, interleaved.
  const [runnerA, runnerB] = [await factory(spec(modelA, 1, 1)), await factory(spec(modelB, 1, 1))];
  let two: Record<'aloneA' | 'aloneB' | 'togetherA' | 'togetherB', number>;
  try {
    await Promise.all([concurrent(runnerA, 1), concurrent(runnerB, 1)]);
    let pair: Promise<[number, number]> | undefined;
    const together = () => (pair ??= Promise.all([concurrent(runnerA, 1), concurrent(runnerB, 1)]));
    two = await interleaved(REPEATS, {
      aloneA: () => concurrent(runnerA, 1),
      aloneB: () => concurrent(runnerB, 1),
      togetherA: async () => (await together())[0],
      togetherB: async () => {
        const [, b] = await together();
        pair = undefined; // the next round measures a new pair
        return b;
      },
    });
  } finally {
    await Promise.all([runnerA.close(), runnerB.close()]);
  }

  const targets = {
    runnerVsInProcess: { value: single / phase2.inProcess!, target: 0.95 },
    twoModelsA: { value: two.togetherA / two.aloneA, target: 0.8 },
    twoModelsB: { value: two.togetherB / two.aloneB, target: 0.8 },
    fourStreamsVsOne: { value: aggregate[4]! / single, target: 2 },
  };
  const loadEnd = loadavg();
  const load = (l: number[]) => l.map((x) => round(x, 2)).join(' ');
  const rows: Array<[string, string]> = [
    [
      'model',
      `${round(PARAMS / 1e6, 0)} M params F16, ${round(bytes / 2 ** 20, 0)} MiB; ${TOKENS} tokens/request`,
    ],
    ['machine', `${cores} cores; load average ${load(loadStart)} → ${load(loadEnd)}; best of ${REPEATS}`],
    ...Object.entries(threadSpeeds).map(([t, s]): [string, string] => [
      `in-process 1 stream, ${t} thread(s)`,
      `${round(s)} tok/s`,
    ]),
    [`in-process 1 stream, ${bestThreads} thread(s), round 2`, `${round(phase2.inProcess!)} tok/s`],
    ...STREAMS.map((n): [string, string] => [
      `runner ${n} stream(s), ${bestThreads} thread(s)`,
      `${round(aggregate[n]!)} tok/s aggregate (${round(aggregate[n]! / single, 2)}×)`,
    ]),
    ['two runners, 1 thread each: A / B alone', `${round(two.aloneA)} / ${round(two.aloneB)} tok/s`],
    ['two runners, 1 thread each: A + B at once', `${round(two.togetherA)} + ${round(two.togetherB)} tok/s`],
    ...Object.entries(targets).map(([name, t]): [string, string] => [
      `target ${name}`,
      `${round(t.value, 2)} (≥ ${t.target}) ${t.value >= t.target ? 'MET' : 'NOT MET'}`,
    ]),
  ];
  printRows(rows);
  await writeResults('batching', {
    date: new Date().toISOString(),
    params: PARAMS,
    bytes,
    tokens: TOKENS,
    repeats: REPEATS,
    cores,
    loadStart,
    loadEnd,
    threadSpeeds,
    bestThreads,
    inProcessSingle: phase2.inProcess,
    aggregate,
    twoModels: two,
    targets,
  });
}

await main();
