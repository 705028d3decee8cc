/** Fine-tuning wire types: `/api/finetune/datasets*` and `/api/finetune/jobs*`. */

/** Block weights a LoRA can adapt, named as in GGUF (`blk.N.<module>.weight`): `target_modules`. */
export const LORA_TARGET_MODULES = [
  'attn_q',
  'attn_k',
  'attn_v',
  'attn_output',
  'ffn_gate',
  'ffn_up',
  'ffn_down',
] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** Learning-rate schedules (after `warmup_steps`). */
export const LR_SCHEDULES = ['constant', 'linear', 'cosine'] as const;

/** The JSON Lines shapes a dataset may be in (docs/finetune.md). */
export const FINETUNE_DATASET_FORMATS = ['chat', 'instruction', 'completion', 'text'] as const;
export type FinetuneDatasetFormat = (typeof FINETUNE_DATASET_FORMATS)[number];
export type FinetuneJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** `POST /api/finetune/datasets` as JSON (raw JSON Lines with `?name=` works too). */
export interface CreateDatasetRequest {
  name: string;
  /** The JSON Lines text. */
  content: string;
  /** Required format; detected from the first line when absent. */
  format?: FinetuneDatasetFormat;
}

export interface FinetuneDataset {
  id: string;
  name: string;
  format: FinetuneDatasetFormat;
  examples: number;
  bytes: number;
  sha256: string;
  created_at: string;
}

/** One example as stored: a conversation (trained assistant messages flagged) or text segments. */
export type FinetuneExample =
  | { messages: Array<{ role: string; content: string }>; train: boolean[] }
  | { segments: Array<{ text: string; train: boolean }> };

export interface FinetuneDatasetDetails extends FinetuneDataset {
  preview: FinetuneExample[];
}

export interface FinetuneDatasetStats {
  model: string;
  examples: number;
  tokens: number;
  trained_tokens: number;
  longest: number;
  mean: number;
}

/** `POST /api/finetune/jobs`. Everything but model and dataset has a default. */
export interface CreateFinetuneJobRequest {
  model: string;
  dataset: string;
  name?: string;
  method?: 'lora';
  rank?: number;
  alpha?: number;
  dropout?: number;
  target_modules?: LoraTargetModule[];
  learning_rate?: number;
  lr_schedule?: (typeof LR_SCHEDULES)[number];
  warmup_steps?: number;
  weight_decay?: number;
  epochs?: number;
  batch_size?: number;
  gradient_accumulation?: number;
  max_seq_len?: number;
  seed?: number;
  validation_split?: number;
  checkpoint_every?: number;
}

/** Live figures of a job (absent ones are not known yet). */
export interface FinetuneProgress {
  step?: number;
  total_steps?: number;
  epoch?: number;
  train_loss?: number;
  validation_loss?: number;
  learning_rate?: number;
  tokens_per_second?: number;
  eta_seconds?: number;
  device?: string;
}

export interface FinetuneJob {
  id: string;
  model: string;
  dataset: string | null;
  dataset_name: string | null;
  output_model: string;
  state: FinetuneJobState;
  error: string | null;
  settings: Record<string, unknown>;
  progress: FinetuneProgress;
  checkpoint_step: number | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface FinetuneMetricPoint {
  kind: 'train' | 'validation';
  step: number;
  value: number;
  learning_rate: number | null;
}

/** `GET /api/finetune/jobs/:id`. */
export interface FinetuneJobDetails extends FinetuneJob {
  metrics: FinetuneMetricPoint[];
}

/** Server-sent events of `GET /api/finetune/jobs/:id/events`. The stream ends after a finished `job` event. */
export type FinetuneEvent =
  | { event: 'snapshot'; data: FinetuneJobDetails }
  | { event: 'job'; data: FinetuneJob }
  | { event: 'progress'; data: FinetuneProgress }
  | { event: 'metric'; data: FinetuneMetricPoint }
  | { event: 'log'; data: { line: string } };

export const FINISHED_JOB_STATES: readonly FinetuneJobState[] = ['succeeded', 'failed', 'cancelled'];
