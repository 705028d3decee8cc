/**
 * The contract between Corral and its trainer child (`python/corral_trainer.py`): the config JSON the server writes
 * for `corral_trainer.py train CONFIG.json`, the JSON lines the trainer prints on stdout (one message per line),
 * and what `corral_trainer.py probe` answers. Keys are snake_case on both sides, exactly as the Python reads and
 * writes them, so nothing is renamed on the way.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { LORA_TARGET_MODULES, LR_SCHEDULES, type LoraTargetModule } from '../api/index.js';

export { LORA_TARGET_MODULES, type LoraTargetModule };

/** Architectures whose forward pass the trainer implements (llama covers Mistral-style models). */
export const TRAINER_ARCHITECTURES = ['llama', 'qwen2', 'qwen3'] as const;
/** GGML weight types the trainer dequantizes. */
export const TRAINER_WEIGHT_TYPES = [
  'F32',
  'F16',
  'BF16',
  'Q8_0',
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q4_K',
  'Q5_K',
  'Q6_K',
] as const;

const absolutePath = z.string().refine((p) => isAbsolute(p), 'must be an absolute path');
const count = z.number().int().nonnegative();
const positive = z.number().int().positive();

/** What one training run does; the trainer checks the same rules and reports violations as an `error` message. */
export const trainerConfigSchema = z
  .object({
    /** The base GGUF model: {@link TRAINER_ARCHITECTURES}, weights of {@link TRAINER_WEIGHT_TYPES}. */
    base_model: absolutePath,
    /** JSONL, one `{"tokens":[…],"mask":[0|1,…]}` per line; `mask[i] = 1`: token i is a target. */
    train_data: absolutePath,
    valid_data: absolutePath.nullable(),
    /** The trainer writes `adapter.safetensors` and `checkpoints/` here, nothing elsewhere. */
    output_dir: absolutePath,
    lora: z
      .object({
        rank: positive,
        alpha: z.number().positive(),
        dropout: z.number().min(0).lt(1),
        target_modules: z
          .array(z.enum(LORA_TARGET_MODULES))
          .min(1)
          .refine((m) => new Set(m).size === m.length, 'must not repeat a module'),
      })
      .strict(),
    learning_rate: z.number().positive(),
    lr_schedule: z.enum(LR_SCHEDULES),
    warmup_steps: count,
    weight_decay: z.number().nonnegative(),
    epochs: positive,
    batch_size: positive,
    grad_accum: positive,
    /** Longer examples are truncated. */
    max_seq_len: z.number().int().min(2),
    seed: count,
    /** Optimizer steps between checkpoints; 0: only at the end of each epoch (there always is one). */
    checkpoint_every: count,
    /** Optimizer steps between validations; 0: at the end of each epoch (only with `valid_data`). */
    eval_every: count,
    /** CPU threads of PyTorch. */
    threads: positive,
    /** Continue from the newest checkpoint in `output_dir/checkpoints` when there is one. */
    resume: z.boolean(),
    /** `auto` (the default): CUDA when PyTorch sees a GPU, else CPU. */
    device: z.enum(['auto', 'cpu', 'cuda']).optional(),
  })
  .strict();

export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

const number = z.number();

/** Every line the trainer prints on stdout. */
export const trainerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    total_steps: count,
    steps_per_epoch: count,
    trainable_parameters: count,
    total_parameters: count,
    resumed_from_step: count.nullable(),
    /** `cpu` or `cuda:0`. */
    device: z.string(),
    train_examples: count,
    train_tokens: count,
  }),
  z.object({
    type: z.literal('progress'),
    step: count,
    total_steps: count,
    /** Fractional: 1.25 is a quarter into the second epoch. */
    epoch: number,
    /** Mean cross-entropy over the target tokens of this optimizer step. */
    train_loss: number,
    learning_rate: number,
    tokens_per_second: number,
    eta_seconds: number,
  }),
  z.object({ type: z.literal('eval'), step: count, validation_loss: number }),
  z.object({ type: z.literal('checkpoint'), step: count }),
  z.object({
    type: z.literal('done'),
    adapter: z.string(),
    steps: count,
    /** Mean over the last epoch's target tokens. */
    train_loss: number.nullable(),
    validation_loss: number.nullable(),
  }),
  z.object({ type: z.literal('cancelled'), step: count }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

export type TrainerMessage = z.infer<typeof trainerMessageSchema>;

/** What `corral_trainer.py probe` prints. */
export const trainerProbeSchema = z.object({
  torch: z.string(),
  numpy: z.string(),
  python_version: z.string(),
  cuda: z.boolean(),
  devices: z.array(z.object({ id: z.string(), name: z.string(), memory_bytes: count.optional() })),
});

export type TrainerProbe = z.infer<typeof trainerProbeSchema>;

const MAX_QUOTED = 200;

/** A stdout line of the trainer: its message, or why it is none (quoting the line). */
export type ParsedTrainerLine = { ok: true; message: TrainerMessage } | { ok: false; error: string };

/**
 * Parses one stdout line of the trainer. The trainer keeps stdout for messages only, so a line that is not one
 * means it is broken; the error quotes the line (cut to 200 characters).
 */
export function parseTrainerLine(line: string): ParsedTrainerLine {
  const quoted = JSON.stringify(line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line);
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: `trainer printed a line that is not JSON: ${quoted}` }; // the error says it all
  }
  const result = trainerMessageSchema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'message';
  return {
    ok: false,
    error: `trainer printed a malformed message (${where}: ${issue?.message ?? 'invalid'}): ${quoted}`,
  };
}
