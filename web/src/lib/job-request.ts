/**
 * The new-job form of the Fine-tuning page as a `POST /api/finetune/jobs` body: empty fields are left out so
 * the server's defaults apply, and the server checks every range (its 400 names the field).
 */
import {
  LORA_TARGET_MODULES,
  LR_SCHEDULES,
  type CreateFinetuneJobRequest,
} from '../../../src/api/finetune.js';

/** LoRA target modules the server accepts (`target_modules`), and the learning-rate schedules. */
export const targetModules = LORA_TARGET_MODULES;
export const schedules = LR_SCHEDULES;

/** The numeric settings, in the order the form shows them. */
export const numberFields = [
  { key: 'rank', label: 'Rank', step: '1', min: '1' },
  { key: 'alpha', label: 'Alpha', step: 'any', min: '0' },
  { key: 'learning_rate', label: 'Learning rate', step: 'any', min: '0' },
  { key: 'epochs', label: 'Epochs', step: '1', min: '1' },
  { key: 'batch_size', label: 'Batch size', step: '1', min: '1' },
  { key: 'gradient_accumulation', label: 'Gradient accumulation', step: '1', min: '1' },
  { key: 'max_seq_len', label: 'Max sequence length', step: '1', min: '8' },
  { key: 'validation_split', label: 'Validation split', step: '0.05', min: '0', max: '0.5' },
  { key: 'seed', label: 'Seed', step: '1', min: '0' },
] as const;

export type NumberField = (typeof numberFields)[number]['key'];

export interface JobForm {
  model: string;
  dataset: string;
  /** Output model name. */
  name: string;
  /** Field text as typed, keyed by setting. */
  numbers: Partial<Record<NumberField, string>>;
  /** `''` for the server's default. */
  schedule: string;
  /** None checked: the server's default modules. */
  modules: string[];
}

export function emptyJobForm(): JobForm {
  return { model: '', dataset: '', name: '', numbers: {}, schedule: '', modules: [] };
}

/**
 * The request body of `form`. Number inputs hold either nothing or a number (the browser refuses to submit a
 * field it cannot parse), so a text that is not a finite number is left out like an empty one.
 */
export function jobRequest(form: JobForm): CreateFinetuneJobRequest {
  const body: CreateFinetuneJobRequest = { model: form.model, dataset: form.dataset };
  if (form.name.trim() !== '') body.name = form.name.trim();
  for (const { key } of numberFields) {
    const text = form.numbers[key]?.trim() ?? '';
    const value = Number(text);
    if (text !== '' && Number.isFinite(value)) body[key] = value;
  }
  const schedule = schedules.find((s) => s === form.schedule);
  if (schedule !== undefined) body.lr_schedule = schedule;
  if (form.modules.length > 0) body.target_modules = targetModules.filter((m) => form.modules.includes(m));
  return body;
}
