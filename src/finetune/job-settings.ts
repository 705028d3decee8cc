/**
 * A fine-tuning job request: what `POST /api/finetune/jobs` accepts, with the ranges every setting must be in.
 * Checks that need the model or the dataset (batch size against the examples, sequence length against the
 * context, supported architecture) are in `check-job.ts`.
 */
import { z } from 'zod';
import { LORA_TARGET_MODULES, LR_SCHEDULES } from '../api/index.js';

const LORA_MODULES = LORA_TARGET_MODULES;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const jobRequestSchema = z
  .object({
    /** Base model to adapt. */
    model: z.string().min(1, 'name the base model'),
    /** Dataset id or name. */
    dataset: z.string().min(1, 'name the dataset'),
    /** Name of the model the result is registered as (default: `<base>-ft-<job id prefix>`). */
    name: z.string().min(1).optional(),
    method: z.literal('lora', { error: 'method must be "lora"' }).default('lora'),
    rank: int(1, 1024).default(8),
    /** Scale numerator: the update is alpha / rank × B·A (default: twice the rank). */
    alpha: z.number().gt(0, 'alpha must be greater than 0').max(1e4).optional(),
    dropout: z.number().min(0).lt(1, 'dropout must be below 1').default(0),
    target_modules: z
      .array(z.enum(LORA_MODULES, { error: `target modules are ${LORA_MODULES.join(', ')}` }))
      .min(1, 'name at least one target module')
      .default(['attn_q', 'attn_k', 'attn_v', 'attn_output']),
    learning_rate: z.number().gt(0, 'learning_rate must be greater than 0').max(1).default(2e-4),
    lr_schedule: z.enum(LR_SCHEDULES).default('cosine'),
    warmup_steps: int(0, 1_000_000).default(0),
    weight_decay: z.number().min(0).max(1).default(0),
    epochs: int(1, 1000).default(3),
    batch_size: int(1, 4096).default(4),
    gradient_accumulation: int(1, 4096).default(1),
    max_seq_len: int(8, 1 << 20).default(1024),
    seed: int(0, 2 ** 31 - 1).default(42),
    /** Share of examples held out for validation loss (0: none). */
    validation_split: z.number().min(0).max(0.5).default(0),
    /** Optimizer steps between checkpoints (0: only at the end of each epoch). */
    checkpoint_every: int(0, 1_000_000).default(50),
  })
  .strict();

export type JobRequest = z.output<typeof jobRequestSchema>;

/** The settings stored with a job (the request without model, dataset and name, alpha resolved). */
export type JobSettings = Omit<JobRequest, 'model' | 'dataset' | 'name' | 'alpha'> & { alpha: number };

export function jobSettings(request: JobRequest): JobSettings {
  const { model: _model, dataset: _dataset, name: _name, alpha, ...rest } = request;
  return { ...rest, alpha: alpha ?? 2 * request.rank };
}
