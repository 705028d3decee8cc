/**
 * Fine-tuning benchmark: LoRA training speed of the trainer (src/finetune/python/corral_trainer.py) through
 * `TrainerProcess`, on the tiny fixture model and on a ~100 M-parameter F16 random llama model (vocabulary 32 000,
 * width 1024), with synthetic examples (random tokens, loss on the second half of each).
 *
 *   npx tsx bench/finetune.ts [--params 100e6] [--threads <cores>] [--python /usr/bin/python3]
 *
 * Reports training tokens per second (every token of an example counts, prompt included) over the steps after the
 * first two (warm-up), seconds from spawn to the first step (startup: Python, torch, reading and dequantizing the
 * GGUF), and the trainer's peak RSS (sampled from /proc every 100 ms). Prints a table and writes
 * bench/results/finetune.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/index.js';
import { findTrainerPython, TrainerProcess } from '../src/finetune/trainer-process.js';
import {
  LORA_TARGET_MODULES,
  type LoraTargetModule,
  type TrainerConfig,
} from '../src/finetune/trainer-protocol.js';
import { largeModelOptions, largeModelPath, tinyModelPath } from '../test/fixtures/index.js';
import { mulberry32 } from '../test/fixtures/prng.js';
import { writeResults } from './helpers/report.js';

const { values: args } = parseArgs({
  options: {
    params: { type: 'string', default: '100e6' },
    threads: { type: 'string', default: String(availableParallelism()) },
    python: { type: 'string' },
  },
});
const THREADS = Number(args.threads);
const QV: LoraTargetModule[] = ['attn_q', 'attn_v'];
const ALL: LoraTargetModule[] = [...LORA_TARGET_MODULES];

interface Case {
  label: string;
  model: () => Promise<string>;
  vocab: number;
  seqLen: number;
  batch: number;
  steps: number;
  targets: LoraTargetModule[];
}

const large = largeModelOptions({ params: Number(args.params) });
const CASES: Case[] = [
  {
    label: 'tiny (139 k)',
    model: () => tinyModelPath(),
    vocab: 512,
    seqLen: 128,
    batch: 4,
    steps: 40,
    targets: QV,
  },
  {
    label: `${Number(args.params) / 1e6} M F16, q/v`,
    model: () => largeModelPath({ params: Number(args.params) }),
    vocab: large.vocabSize!,
    seqLen: 128,
    batch: 4,
    steps: 6,
    targets: QV,
  },
  {
    label: `${Number(args.params) / 1e6} M F16, all 7`,
    model: () => largeModelPath({ params: Number(args.params) }),
    vocab: large.vocabSize!,
    seqLen: 128,
    batch: 4,
    steps: 6,
    targets: ALL,
  },
];

function rssMb(pid: number): number {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return 0;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(path, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function runCase(python: string, c: Case, dir: string) {
  const base = await c.model();
  const rand = mulberry32(7);
  const lines: string[] = [];
  for (let i = 0; i < c.batch * c.steps; i++) {
    // BOS-free random ids below the control tokens at the end of the fixture vocabularies.
    const tokens = Array.from({ length: c.seqLen }, () => Math.floor(rand() * (c.vocab - 8)));
    lines.push(JSON.stringify({ tokens, mask: tokens.map((_, j) => (j >= c.seqLen / 2 ? 1 : 0)) }));
  }
  const out = join(dir, c.label.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(out, { recursive: true });
  const data = join(out, 'train.jsonl');
  await writeFile(data, lines.join('\n') + '\n');
  const config: TrainerConfig = {
    base_model: base,
    train_data: data,
    valid_data: null,
    output_dir: out,
    lora: { rank: 8, alpha: 16, dropout: 0, target_modules: c.targets },
    learning_rate: 1e-4,
    lr_schedule: 'constant',
    warmup_steps: 0,
    weight_decay: 0,
    epochs: 1,
    batch_size: c.batch,
    grad_accum: 1,
    max_seq_len: c.seqLen,
    seed: 1,
    checkpoint_every: 0,
    eval_every: 0,
    threads: THREADS,
    resume: false,
    device: 'cpu',
  };
  const spawnedAt = performance.now();
  const stepTimes: number[] = [];
  let device = '';
  let trainable = 0;
  let total = 0;
  const trainer = await TrainerProcess.start({
    python,
    config,
    configPath: join(out, 'config.json'),
    log: silentLogger,
    onMessage: (m) => {
      if (m.type === 'started') ({ device, trainable_parameters: trainable, total_parameters: total } = m);
      if (m.type === 'progress') stepTimes.push(performance.now());
    },
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(trainer.pid!))), 100);
  const outcome = await trainer.done;
  clearInterval(sampler);
  if (outcome.kind !== 'succeeded') throw new Error(`${c.label}: ${JSON.stringify(outcome)}`);
  // Steady state: from the end of step 2 to the end of the last step (the first steps warm up oneDNN).
  const steady = stepTimes.length - 2;
  const seconds = (stepTimes.at(-1)! - stepTimes[1]!) / 1000;
  return {
    model: c.label,
    parameters: total,
    lora: `r8 ${c.targets.length === 7 ? 'all' : 'q,v'}`,
    trainable,
    device,
    threads: THREADS,
    tokensPerStep: c.batch * c.seqLen,
    tokensPerSecond: Math.round((steady * c.batch * c.seqLen) / seconds),
    secondsPerStep: Number((seconds / steady).toFixed(3)),
    startupSeconds: Number(((stepTimes[0]! - spawnedAt) / 1000).toFixed(1)),
    peakRssMB: Math.round(peak),
  };
}

async function main(): Promise<void> {
  const found = await findTrainerPython({ ...(args.python ? { python: args.python } : {}) });
  console.log(`trainer: ${found.python} (torch ${found.torch}, cuda ${found.cuda}), ${THREADS} threads`);
  const dir = await mkdtemp(join(tmpdir(), 'corral-bench-finetune-'));
  const rows = [];
  try {
    for (const c of CASES) rows.push(await runCase(found.python, c, dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.table(rows);
  await writeResults('finetune', {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    torch: found.torch,
    rows,
  });
}

await main();
