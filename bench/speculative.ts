/**
 * Speculative decoding benchmark (CPU): a target model with and without a draft model, in real runner processes.
 *
 *   npx tsx bench/speculative.ts [--target-layers 16] [--draft-layers 1] [--vocab 8192] [--threads 1] [--f32]
 *                                [--tokens 128] [--repeats 3]
 *
 * The pair is generated so that the draft predicts the target perfectly: both are random F16 llama models of one
 * shape and seed (width 1024, vocabulary 8 k), the draft has the first `draft-layers` layers, and the target's
 * further layers have zero `attn_output` and `ffn_down`, so they add nothing to the residual stream: same logits,
 * several times the compute. A second draft with other weights (same vocabulary) shows a poor draft: low acceptance,
 * same output. Greedy requests (repeat penalty off, where the draft is used); the three runners are measured
 * interleaved, best round each. Prints a table and writes bench/results/speculative.json.
 */
import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger, type Runner, type RunnerLoadSpec } from '../src/core/index.js';
import { createProcessRunnerFactory } from '../src/engine/index.js';
import { llamaParameterCount, writeTinyModel, type TinyModelOptions } from '../test/fixtures/index.js';

const { values: args } = parseArgs({
  options: {
    'target-layers': { type: 'string', default: '16' },
    'draft-layers': { type: 'string', default: '1' },
    tokens: { type: 'string', default: '128' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    vocab: { type: 'string', default: '8192' },
    f32: { type: 'boolean', default: false },
  },
});
const TARGET_LAYERS = Number(args['target-layers']);
const DRAFT_LAYERS = Number(args['draft-layers']);
const TOKENS = Number(args.tokens);
const REPEATS = Number(args.repeats);
const THREADS = Number(args.threads);
const PROMPTS = ['Once upon a time', 'The capital of France is', 'def main():', 'In the beginning'];
const SHAPE = {
  vocabSize: Number(args.vocab),
  nEmbd: 1024,
  nHead: 16,
  nHeadKv: 8,
  nFf: 2816,
  contextLength: 4096,
  fileType: args.f32 ? 'F32' : 'F16',
  eos: 'never' as const,
  seed: 1,
} satisfies TinyModelOptions;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A cached benchmark model, keyed by its options (generated once; hundreds of MB). */
async function benchModel(options: TinyModelOptions): Promise<string> {
  const dir = join(tmpdir(), 'corral-bench');
  const key = Object.entries(options)
    .map(([k, v]) => `${k}-${String(v)}`)
    .join('_');
  const path = join(dir, `speculative_${key}.gguf`);
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
    await writeTinyModel(temp, options);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}

const spec = (modelPath: string, draftPath?: string): RunnerLoadSpec => ({
  modelPath,
  adapters: [],
  contextSize: 1024,
  parallel: 1,
  threads: THREADS,
  gpu: 'cpu',
  useMmap: true,
  ...(draftPath && { draft: { modelPath: draftPath, minConfidence: 0 } }),
});

interface Sample {
  tokensPerSecond: number;
  draftTokens: number;
  accepted: number;
  texts: string[];
}

/** Every prompt once, greedy: generated tokens per wall second, draft statistics, the texts. */
async function measure(runner: Runner): Promise<Sample> {
  const sample: Sample = { tokensPerSecond: 0, draftTokens: 0, accepted: 0, texts: [] };
  let tokens = 0;
  const start = performance.now();
  for (const prompt of PROMPTS) {
    const r = await runner.generate(
      { prompt, options: { temperature: 0, num_predict: TOKENS, repeat_penalty: 1 } },
      {},
    );
    tokens += r.evalTokens;
    sample.draftTokens += r.draftTokens ?? 0;
    sample.accepted += r.draftAcceptedTokens ?? 0;
    sample.texts.push(r.text);
  }
  sample.tokensPerSecond = tokens / ((performance.now() - start) / 1000);
  return sample;
}

function firstDifference(a: string, b: string): number {
  if (a === b) return -1;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

async function main(): Promise<void> {
  const loadStart = loadavg();
  const draftOptions = { ...SHAPE, nLayer: DRAFT_LAYERS };
  const targetPath = await benchModel({ ...SHAPE, nLayer: TARGET_LAYERS, inertLayersFrom: DRAFT_LAYERS });
  const draftPath = await benchModel(draftOptions);
  const otherPath = await benchModel({ ...draftOptions, weightSeed: 2 });
  const factory = createProcessRunnerFactory({ log: silentLogger });
  const runners = {
    alone: await factory(spec(targetPath)),
    matched: await factory(spec(targetPath, draftPath)),
    mismatched: await factory(spec(targetPath, otherPath)),
  };
  const best: Partial<Record<keyof typeof runners, Sample>> = {};
  try {
    for (const runner of Object.values(runners)) await measure(runner); // warm-up: faults the weights in
    for (let r = 0; r < REPEATS; r++)
      for (const [name, runner] of Object.entries(runners) as Array<[keyof typeof runners, Runner]>) {
        const s = await measure(runner);
        if (s.tokensPerSecond > (best[name]?.tokensPerSecond ?? 0)) best[name] = s;
      }
  } finally {
    await Promise.all(Object.values(runners).map((r) => r.close()));
  }
  const { alone, matched, mismatched } = best as Record<keyof typeof runners, Sample>;
  const acceptance = (s: Sample) => (s.draftTokens === 0 ? 0 : s.accepted / s.draftTokens);
  const rows = [
    { run: 'target alone', s: alone },
    { run: 'with matched draft', s: matched },
    { run: 'with mismatched draft', s: mismatched },
  ].map(({ run, s }) => ({
    run,
    tokensPerSecond: round(s.tokensPerSecond, 1),
    speedup: round(s.tokensPerSecond / alone.tokensPerSecond),
    draftTokens: s.draftTokens,
    acceptedTokens: s.accepted,
    acceptance: round(acceptance(s), 3),
    sameOutput: s.texts.every((t, i) => t === alone.texts[i]),
    // Characters before the first difference from the target alone, per prompt (-1: identical).
    firstDifference: s.texts.map((t, i) => firstDifference(t, alone.texts[i]!)),
  }));
  console.table(rows);
  const params = (nLayer: number) => llamaParameterCount({ ...SHAPE, nLayer });
  const result = {
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), loadavgBefore: loadStart, loadavgAfter: loadavg() },
    setup: {
      threads: THREADS,
      tokensPerRequest: TOKENS,
      prompts: PROMPTS.length,
      repeats: REPEATS,
      target: { layers: TARGET_LAYERS, params: params(TARGET_LAYERS), inertLayersFrom: DRAFT_LAYERS },
      draft: { layers: DRAFT_LAYERS, params: params(DRAFT_LAYERS) },
      note: 'node-llama-cpp 3.22.1 validates one draft token per target decode, so the speed-up is at most 2×',
    },
    rows,
  };
  await mkdir(new URL('results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('results/speculative.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  if (!rows.every((r) => r.sameOutput)) {
    console.error('a draft model changed the greedy output');
    process.exitCode = 1;
  }
}

await main();
