/**
 * Shared pieces of the trainer tests: greedy decoding through the trainer's torch forward pass and through
 * llama.cpp (with the argmax after every prompt position, a teacher-forced check of the whole prompt), tiny models
 * with randomly filled quantized blocks, datasets and configs.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ControlledEvaluateInputItem, LlamaModel, Token } from 'node-llama-cpp';
import { GgmlType, writeGguf, type GgufWriteTensor } from '../../src/gguf/index.js';
import type { TrainerConfig } from '../../src/finetune/trainer-protocol.js';
import { trainerScriptPath } from '../../src/finetune/trainer-script.js';
import { tinyModelContent, type TinyModelOptions } from '../fixtures/index.js';
import { toFloat16Bits } from '../fixtures/float16.js';
import { mulberry32, seedFor } from '../fixtures/prng.js';

const run = promisify(execFile);

/** Greedy continuation of a prompt, and the argmax after each prompt position. */
export interface Greedy {
  tokens: number[];
  positions: number[];
}

/** `corral_trainer.py greedy` for each prompt (one process for all of them). */
export async function torchGreedy(
  python: string,
  model: string,
  prompts: number[][],
  count: number,
  adapter?: { path: string; alpha: number },
): Promise<Greedy[]> {
  const args = [trainerScriptPath(), 'greedy', '--model', model, '--count', String(count)];
  for (const p of prompts) args.push('--tokens', p.join(','));
  if (adapter) args.push('--adapter', adapter.path, '--alpha', String(adapter.alpha));
  const { stdout } = await run(python, args, { maxBuffer: 1 << 20 });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Greedy);
}

/** The same with llama.cpp (1 thread, temperature 0), optionally with a GGUF LoRA adapter at scale 1. */
export async function llamaGreedy(
  model: LlamaModel,
  prompts: number[][],
  count: number,
  lora?: string,
): Promise<Greedy[]> {
  const out: Greedy[] = [];
  for (const prompt of prompts) {
    const context = await model.createContext({
      contextSize: 256,
      threads: 1,
      ...(lora === undefined ? {} : { lora: { adapters: [{ filePath: lora, scale: 1 }] } }),
    });
    try {
      const sequence = context.getSequence();
      const items: ControlledEvaluateInputItem[] = prompt.map((t) => [
        t as Token,
        { generateNext: { token: true, options: { temperature: 0 } } },
      ]);
      const positions = (await sequence.controlledEvaluate(items)).map((r) => r?.next?.token ?? -1);
      const tokens = [positions.at(-1)!];
      if (count > 1)
        for await (const t of sequence.evaluate([tokens[0] as Token], {
          temperature: 0,
          yieldEogToken: true,
        })) {
          tokens.push(t);
          if (tokens.length >= count) break;
        }
      out.push({ tokens, positions });
    } finally {
      await context.dispose();
    }
  }
  return out;
}

/** Token ids of `text` with BOS first, as llama.cpp sees a prompt. */
export function promptTokens(model: LlamaModel, text: string): number[] {
  return [model.tokens.bos!, ...model.tokenize(text)];
}

/** Share of equal entries of two equally long lists. */
export function agreement(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  return a.filter((x, i) => x === b[i]).length / a.length;
}

// ggml block layouts (ggml-common.h): elements and bytes per block, and how to set the block's float scales for
// weights of about ±scale (every other byte stays random).
const BLOCKS: Record<
  string,
  { type: number; elements: number; bytes: number; fill: (b: Buffer, scale: number) => void }
> = {
  Q4_K: {
    type: GgmlType.Q4_K,
    elements: 256,
    bytes: 144,
    fill: (b, s) => {
      b.writeUInt16LE(toFloat16Bits((2 * s) / (63 * 15)), 0);
      b.writeUInt16LE(toFloat16Bits(s / 63), 2);
    },
  },
  Q5_K: {
    type: GgmlType.Q5_K,
    elements: 256,
    bytes: 176,
    fill: (b, s) => {
      b.writeUInt16LE(toFloat16Bits((2 * s) / (63 * 31)), 0);
      b.writeUInt16LE(toFloat16Bits(s / 63), 2);
    },
  },
  Q6_K: {
    type: GgmlType.Q6_K,
    elements: 256,
    bytes: 210,
    fill: (b, s) => b.writeUInt16LE(toFloat16Bits(s / (128 * 32)), 208),
  },
  Q4_1: {
    type: GgmlType.Q4_1,
    elements: 32,
    bytes: 20,
    fill: (b, s) => {
      b.writeUInt16LE(toFloat16Bits((2 * s) / 15), 0);
      b.writeUInt16LE(toFloat16Bits(-s), 2);
    },
  },
  Q5_0: {
    type: GgmlType.Q5_0,
    elements: 32,
    bytes: 22,
    fill: (b, s) => b.writeUInt16LE(toFloat16Bits(s / 16), 0),
  },
  Q5_1: {
    type: GgmlType.Q5_1,
    elements: 32,
    bytes: 24,
    fill: (b, s) => {
      b.writeUInt16LE(toFloat16Bits((2 * s) / 31), 0);
      b.writeUInt16LE(toFloat16Bits(-s), 2);
    },
  },
};

/**
 * A tiny llama model whose matrices are random blocks of `type` (random quants, scales for weights in
 * ±1/√fan-in): the trainer's dequantization must reproduce what llama.cpp computes from the same bytes. K-quants
 * need rows of a multiple of 256 elements (`options.nEmbd` 256).
 */
export async function writeRandomQuantModel(
  path: string,
  type: keyof typeof BLOCKS,
  options: TinyModelOptions = {},
): Promise<void> {
  const { content } = tinyModelContent(options);
  const block = BLOCKS[type]!;
  const tensors: GgufWriteTensor[] = content.tensors.map((t) => {
    if (t.dims.length !== 2) return t;
    const [nIn, nOut] = t.dims as [number, number];
    const scale = t.name === 'token_embd.weight' ? 1 : 1 / Math.sqrt(nIn);
    const rand = mulberry32(seedFor(7, t.name));
    const data = Buffer.alloc(((nIn * nOut) / block.elements) * block.bytes);
    for (let offset = 0; offset < data.length; offset += block.bytes) {
      for (let i = 0; i < block.bytes; i++) data[offset + i] = Math.floor(rand() * 256);
      block.fill(data.subarray(offset, offset + block.bytes), scale);
    }
    return { ...t, type: block.type, data };
  });
  await writeGguf(path, { ...content, tensors });
}

/** One training example per line. */
export async function writeJsonl(path: string, examples: { tokens: number[]; mask: number[] }[]) {
  await writeFile(path, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

/** A complete trainer config with small defaults. */
export function trainerConfig(
  paths: Pick<TrainerConfig, 'base_model' | 'train_data' | 'output_dir'>,
  overrides: Partial<TrainerConfig> = {},
): TrainerConfig {
  return {
    ...paths,
    valid_data: null,
    lora: {
      rank: 8,
      alpha: 16,
      dropout: 0,
      target_modules: ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'],
    },
    learning_rate: 0.01,
    lr_schedule: 'constant',
    warmup_steps: 0,
    weight_decay: 0,
    epochs: 1,
    batch_size: 4,
    grad_accum: 1,
    max_seq_len: 128,
    seed: 42,
    checkpoint_every: 0,
    eval_every: 0,
    threads: 1,
    resume: true,
    ...overrides,
  };
}
