/**
 * The LoRA trainer (src/finetune/python/corral_trainer.py) for real: its torch forward pass decodes exactly like
 * llama.cpp on the same GGUF files (llama, qwen2, qwen3; F32, F16, quantized), training through `TrainerProcess`
 * learns a small synthetic task that llama.cpp then reproduces with the exported GGUF adapter, a run killed after
 * a checkpoint resumes and ends bit for bit like an uninterrupted one, and cancellation, a dead parent, stalls and
 * bad inputs all end the process with a precise outcome. Needs Python 3 with PyTorch (CI: python3-torch).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertHfModel, type OutputType } from '../../src/convert/index.js';
import { silentLogger, type AppError } from '../../src/core/index.js';
import { writeAdapterGguf } from '../../src/finetune/adapter-gguf.js';
import {
  findTrainerPython,
  TrainerProcess,
  type TrainerOutcome,
} from '../../src/finetune/trainer-process.js';
import type { TrainerConfig, TrainerMessage } from '../../src/finetune/trainer-protocol.js';
import { trainerScriptPath } from '../../src/finetune/trainer-script.js';
import { gguf, GgmlType, writeGguf } from '../../src/gguf/index.js';
import { tinyModelContent, tinyModelPath, writeHfModel, type HfArch } from '../fixtures/index.js';
import { loadModel, tempDir } from '../convert/helpers.js';
import { requireTorch, trainerPython } from './torch.js';
import {
  agreement,
  llamaGreedy,
  promptTokens,
  torchGreedy,
  trainerConfig,
  writeJsonl,
  writeRandomQuantModel,
} from './trainer-helpers.js';

requireTorch('fine-tuning trainer tests');
const python = 'python' in trainerPython ? trainerPython.python : '';
const skip = python === '';

const PROMPTS = [
  'Once upon a time there was',
  'The capital of France is',
  'def main():\n    return 42',
  'Tokens and more tokens, and more',
];

let dir: string;
let cleanup: () => Promise<void>;
const path = (...parts: string[]) => join(dir, ...parts);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('trainer'));
});
afterAll(async () => cleanup());

/** Runs the trainer to its end, collecting every message. */
async function train(
  config: TrainerConfig,
  onMessage?: (m: TrainerMessage, trainer: TrainerProcess) => void,
  extra: { stallTimeoutMs?: number } = {},
): Promise<{ outcome: TrainerOutcome; messages: TrainerMessage[]; trainer: TrainerProcess }> {
  const messages: TrainerMessage[] = [];
  const started: { trainer?: TrainerProcess } = {}; // messages only come after start() resolved
  const trainer = await TrainerProcess.start({
    python,
    config,
    configPath: join(config.output_dir, 'config.json'),
    log: silentLogger,
    onMessage: (m) => {
      messages.push(m);
      if (started.trainer) onMessage?.(m, started.trainer);
    },
    ...extra,
  });
  started.trainer = trainer;
  return { outcome: await trainer.done, messages, trainer };
}

describe('findTrainerPython', () => {
  it('takes CORRAL_PYTHON when it answers the probe', async () => {
    const fake = path('fake-python');
    const probe = { torch: '9.9.9', numpy: '1.0', python_version: '3.11.0', cuda: true, devices: [] };
    await writeFile(fake, `#!/bin/sh\necho '${JSON.stringify(probe)}'\n`);
    await chmod(fake, 0o755);
    await expect(findTrainerPython({ python: fake })).resolves.toMatchObject({
      python: fake,
      torch: '9.9.9',
      cuda: true,
    });
  });

  it('explains what is missing: CORRAL_PYTHON alone when set, else python3 and /usr/bin/python3', async () => {
    await expect(findTrainerPython({ python: path('no-such-python') })).rejects.toMatchObject({
      code: 'TRAINER_UNAVAILABLE',
      message: expect.stringMatching(
        /needs Python 3 with PyTorch.*apt-get install python3-torch.*CORRAL_PYTHON.*\(tried \/.*no-such-python: not found\)$/,
      ),
    });
    await expect(findTrainerPython({ script: path('no-such-script.py') })).rejects.toMatchObject({
      code: 'TRAINER_UNAVAILABLE',
      message: expect.stringMatching(/\(tried python3: .*; \/usr\/bin\/python3: .*\)$/),
    });
  });
});

describe.skipIf(skip)('the torch forward pass equals llama.cpp', () => {
  /** `exact`: float32 weights, where llama.cpp computes in float32 too; otherwise it rounds activations. */
  async function compare(modelPath: string, exact: boolean): Promise<void> {
    const model = await loadModel(modelPath);
    try {
      const prompts = PROMPTS.map((p) => promptTokens(model, p));
      const [want, got] = [
        await llamaGreedy(model, prompts, 12),
        await torchGreedy(python, modelPath, prompts, 12),
      ];
      const positions = agreement(
        want.flatMap((g) => g.positions),
        got.flatMap((g) => g.positions),
      );
      if (exact) {
        expect(got).toEqual(want);
      } else {
        // llama.cpp rounds the activations too for F16 and quantized weights (F16 / Q8_0 / Q8_1 dot products), so
        // a near tie can go the other way; a wrong block layout or rope would agree at random (~1/512).
        expect(positions).toBeGreaterThanOrEqual(0.9);
        expect(got.map((g) => g.tokens[0])).toEqual(want.map((g) => g.tokens[0]));
      }
    } finally {
      await model.dispose();
    }
  }

  async function converted(arch: HfArch, type: OutputType, config?: Record<string, unknown>) {
    const name = `${arch}-${type}-${config ? 'scaled' : 'plain'}`;
    const hf = path('hf', name);
    await writeHfModel(hf, { arch, ...(config ? { config } : {}) });
    await convertHfModel(hf, path(`${name}.gguf`), { outputType: type });
    return path(`${name}.gguf`);
  }

  it('tiny llama models: F32 decodes identically (greedy tokens, argmax at every prompt position), F16 up to near ties', async () => {
    await compare(await tinyModelPath({ eos: 'never' }), true);
    await compare(await tinyModelPath({ eos: 'never', fileType: 'F16', seed: 5 }), false);
  });

  it('llama with llama 3 rope frequency factors, and with linear rope scaling', async () => {
    const llama3 = {
      rope_scaling: {
        rope_type: 'llama3',
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 64,
      },
    };
    await compare(await converted('llama', 'F32', llama3), true);
    await compare(await converted('llama', 'F32', { rope_scaling: { type: 'linear', factor: 4 } }), true);
  });

  it('qwen2 (q/k/v biases, NEOX rope, tied output) and qwen3 (per-head q/k norms, wider heads)', async () => {
    await compare(await converted('qwen2', 'F32'), true);
    await compare(await converted('qwen3', 'F32'), true);
  });

  it('Q8_0 and Q4_0 weights dequantize to what llama.cpp multiplies with', async () => {
    await compare(await converted('llama', 'Q8_0'), false);
    await compare(await converted('qwen2', 'Q4_0'), false);
  });

  it('Q4_1, Q5_0 and Q5_1 blocks (random bytes) dequantize like llama.cpp', async () => {
    for (const type of ['Q4_1', 'Q5_0', 'Q5_1'] as const) {
      const file = path(`random-${type}.gguf`);
      await writeRandomQuantModel(file, type, { eos: 'never' });
      await compare(file, false);
    }
  });

  it('Q4_K, Q5_K and Q6_K super-blocks (random bytes) dequantize like llama.cpp', async () => {
    for (const type of ['Q4_K', 'Q5_K', 'Q6_K'] as const) {
      const file = path(`random-${type}.gguf`);
      await writeRandomQuantModel(file, type, { eos: 'never', nEmbd: 256, nFf: 512 });
      await compare(file, false);
    }
  });
});

// Eight prompts, each with a fixed completion: learnable by a rank-8 LoRA of the tiny model in ~150 steps.
const TASK = [
  ['The sky is', ' blue'],
  ['Once upon a time', ' there'],
  ['def main():', ' return'],
  ['The capital of France', ' Paris'],
  ['Tokens and more', ' tokens'],
  ['What is two plus two?', ' four'],
  ['Hello, my name is', ' Alice'],
  ['The quick brown fox', ' jumps'],
] as const;

describe.skipIf(skip)('training through TrainerProcess', () => {
  let base: string;
  let model: LlamaModel;
  let prompts: number[][];
  let completions: number[][];
  let train_data: string;

  beforeAll(async () => {
    base = await tinyModelPath({ eos: 'never' });
    model = await loadModel(base);
    prompts = TASK.map(([p]) => promptTokens(model, p));
    completions = TASK.map(([, c]) => model.tokenize(c).slice(0, 3));
    train_data = path('task.jsonl');
    await writeJsonl(
      train_data,
      TASK.map((_, i) => ({
        tokens: [...prompts[i]!, ...completions[i]!],
        mask: [...prompts[i]!.map(() => 0), ...completions[i]!.map(() => 1)],
      })),
    );
  });
  afterAll(async () => model?.dispose());

  const config = (name: string, overrides: Partial<TrainerConfig> = {}) =>
    trainerConfig({ base_model: base, train_data, output_dir: path(name) }, overrides);

  it('learns the task live, and llama.cpp with the exported GGUF adapter completes it', async () => {
    const arrived: number[] = [];
    const { outcome, messages } = await train(
      config('learn', { epochs: 150, batch_size: 8, valid_data: train_data, eval_every: 50 }),
      () => arrived.push(performance.now()),
    );
    expect(outcome).toMatchObject({ kind: 'succeeded', steps: 150 });
    if (outcome.kind !== 'succeeded') return;
    const started = messages[0]!;
    // 2 layers × 7 modules × rank 8 × (in + out): q, o 64+64; k, v 64+32; gate, up, down 64+128.
    expect(started).toMatchObject({
      type: 'started',
      total_steps: 150,
      steps_per_epoch: 1,
      resumed_from_step: null,
      device: 'cpu',
      train_examples: 8,
      trainable_parameters: 2 * 8 * (2 * 128 + 2 * 96 + 3 * 192),
    });
    const progress = messages.filter((m) => m.type === 'progress');
    expect(progress.map((m) => m.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(progress.every((m) => m.tokens_per_second > 0 && m.total_steps === 150)).toBe(true);
    // Live: progress messages arrive while the trainer runs, not in a burst at its end.
    expect(arrived.at(-1)! - arrived[1]!).toBeGreaterThan(500);
    const first = progress[0]!.train_loss;
    expect(outcome.trainLoss!).toBeLessThan(first / 2);
    expect(messages.filter((m) => m.type === 'eval').map((m) => m.step)).toEqual([50, 100, 150]);
    expect(outcome.validationLoss).toBeCloseTo(outcome.trainLoss!, 1);
    expect(messages.at(-1)).toMatchObject({ type: 'done', adapter: outcome.adapter });

    const adapter = path('learn', 'adapter.gguf');
    await writeAdapterGguf({
      safetensorsPath: outcome.adapter,
      baseGgufPath: base,
      outPath: adapter,
      alpha: 16,
      name: 'task',
    });
    const correct = (runs: { tokens: number[] }[]) =>
      runs.reduce((n, r, i) => n + r.tokens.filter((t, j) => t === completions[i]![j]).length, 0);
    const total = completions.flat().length;
    const count = Math.max(...completions.map((c) => c.length));
    const tuned = await llamaGreedy(model, prompts, count, adapter);
    const plain = await llamaGreedy(model, prompts, count);
    expect(correct(tuned)).toBeGreaterThanOrEqual(0.75 * total);
    expect(correct(plain)).toBeLessThanOrEqual(0.25 * total);
    // The trainer's own view of the adapter (safetensors merged into the weights) decodes the same tokens.
    const merged = await torchGreedy(python, base, prompts, count, { path: outcome.adapter, alpha: 16 });
    expect(merged.map((g) => g.tokens)).toEqual(tuned.map((g) => g.tokens));
  });

  it('a run killed after a checkpoint resumes there and ends exactly like an uninterrupted run', async () => {
    const settings: Partial<TrainerConfig> = {
      epochs: 40,
      batch_size: 3,
      grad_accum: 2,
      checkpoint_every: 5,
      lr_schedule: 'cosine',
      warmup_steps: 5,
      weight_decay: 0.01,
      lora: { rank: 4, alpha: 8, dropout: 0.1, target_modules: ['attn_q', 'attn_v', 'ffn_up'] },
    };
    let lastCheckpoint = 0;
    const killed = await train(config('resume', settings), (m, trainer) => {
      if (m.type !== 'checkpoint') return;
      lastCheckpoint = m.step;
      if (m.step >= 15) trainer.kill();
    });
    expect(killed.outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/killed/) });
    expect(lastCheckpoint).toBeGreaterThanOrEqual(15);
    const totalSteps = (killed.messages[0] as { total_steps: number }).total_steps;
    expect(totalSteps).toBe(80); // 8 examples in 3 micro-batches, 2 per step: 2 steps per epoch

    const resumed = await train(config('resume', settings));
    expect(resumed.messages[0]).toMatchObject({
      type: 'started',
      resumed_from_step: lastCheckpoint,
      total_steps: totalSteps,
    });
    expect(resumed.messages[1]).toMatchObject({ type: 'progress', step: lastCheckpoint + 1 });
    expect(resumed.outcome).toMatchObject({ kind: 'succeeded', steps: totalSteps });

    const whole = await train(config('whole', settings));
    expect(whole.outcome).toMatchObject({ kind: 'succeeded', steps: totalSteps });
    expect(await readFile(path('resume', 'adapter.safetensors'))).toEqual(
      await readFile(path('whole', 'adapter.safetensors')),
    );
  });

  it('cancel() ends a run promptly as cancelled', async () => {
    let cancelledAt = 0;
    const { outcome, messages } = await train(config('cancel', { epochs: 10_000 }), (m, trainer) => {
      if (m.type === 'progress' && m.step === 3) {
        cancelledAt = performance.now();
        trainer.cancel();
      }
    });
    expect(performance.now() - cancelledAt).toBeLessThan(3_000);
    expect(outcome.kind).toBe('cancelled');
    expect(messages.at(-1)).toMatchObject({ type: 'cancelled' });
  });

  it('a trainer whose stdin closes (its parent died) exits at once; SIGTERM cancels', async () => {
    const cfg = config('orphan', { epochs: 10_000 });
    await mkdir(cfg.output_dir, { recursive: true });
    const cfgPath = path('orphan', 'config.json');
    await writeFile(cfgPath, JSON.stringify(cfg));
    const startTrainer = async () => {
      const child = spawn(python, [trainerScriptPath(), 'train', cfgPath], { stdio: 'pipe' });
      const lines: string[] = [];
      child.stdout.setEncoding('utf8');
      const progressing = new Promise<void>((resolve) =>
        child.stdout.on('data', (data: string) => {
          lines.push(...data.split('\n').filter(Boolean));
          if (lines.some((l) => l.includes('"progress"'))) resolve();
        }),
      );
      await progressing;
      return { child, lines };
    };

    const orphan = await startTrainer();
    orphan.child.stdin.end();
    const [code] = (await once(orphan.child, 'exit')) as [number | null];
    expect(code).toBe(3);
    expect(() => process.kill(orphan.child.pid!, 0)).toThrow(/ESRCH/);

    const terminated = await startTrainer();
    terminated.child.kill('SIGTERM');
    const [termCode] = (await once(terminated.child, 'exit')) as [number | null];
    expect(termCode).toBe(0);
    expect(JSON.parse(terminated.lines.at(-1)!)).toMatchObject({ type: 'cancelled' });
  });

  it('a trainer that prints nothing within the stall timeout is killed', async () => {
    const { outcome } = await train(config('stall'), undefined, { stallTimeoutMs: 50 });
    expect(outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/printed nothing/) });
  });

  it('bad configs, data and models fail with a precise message', async () => {
    await expect(
      TrainerProcess.start({
        python,
        config: { ...config('bad'), lora: { ...config('bad').lora, rank: 0 } },
        configPath: path('bad', 'config.json'),
        log: silentLogger,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/lora\.rank/),
    } as Partial<AppError>);

    const badData = path('bad-data.jsonl');
    await writeFile(badData, '{"tokens":[1,2],"mask":[0,1]}\n{"tokens":[1,9999],"mask":[0,1]}\n');
    const unsupportedType = path('iq4.gguf');
    const { content } = tinyModelContent({ eos: 'never' });
    await writeGguf(unsupportedType, {
      ...content,
      tensors: content.tensors.map((t) =>
        t.name === 'blk.1.ffn_up.weight'
          ? { ...t, type: GgmlType.IQ4_NL, data: new Uint8Array(((64 * 128) / 32) * 18) }
          : t,
      ),
    });
    const gemma = path('gemma.gguf');
    await writeGguf(gemma, {
      ...content,
      metadata: { ...content.metadata, 'general.architecture': gguf.str('gemma2') },
    });
    const cases: [Partial<TrainerConfig>, RegExp][] = [
      [{ train_data: badData }, /line 2: tokens must be integers in \[0, 512\)/],
      [{ base_model: path('missing.gguf') }, /cannot open the base model .*missing\.gguf/],
      [
        { base_model: unsupportedType },
        /tensor blk\.1\.ffn_up\.weight .* has type IQ4_NL, which the trainer cannot read/,
      ],
      [{ base_model: gemma }, /architecture 'gemma2' is not supported by the trainer/],
    ];
    const outcomes = await Promise.all(
      cases.map(([overrides], i) => train(config(`bad-${i}`, overrides)).then((r) => r.outcome)),
    );
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(cases[i]![1]) });
    }
  });
});
