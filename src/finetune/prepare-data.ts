/**
 * A job's training data: the dataset's examples encoded with the base model's tokenizer and template (through
 * the inference service, so the prompt is built as serving builds it), split into train and validation sets by
 * a seeded shuffle, and written as `{"tokens":[…],"mask":[…]}` lines for the trainer. Encoded once per job: a
 * resumed job finds the files and reuses them, so it trains on exactly the same split.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedExample, TrainingInput } from '../core/index.js';
import { writeFileAtomic } from '../store/index.js';

/** Encodes inputs with the base model (the inference service's `encode`, bound to the model). */
export type Encoder = (inputs: TrainingInput[], signal?: AbortSignal) => Promise<EncodedExample[]>;

export interface PreparedData {
  train: string;
  validation: string | null;
}

const CHUNK = 128;

/** A seeded permutation of 0..n-1 (mulberry32 + Fisher–Yates): the same seed always gives the same split. */
export function seededOrder(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** How many of `n` examples a split of `share` holds out (at least one when the share is positive). */
export function validationCount(n: number, share: number): number {
  if (share <= 0 || n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.floor(n * share)));
}

/** Encodes every input, `CHUNK` at a time. */
export async function encodeAll(
  inputs: readonly TrainingInput[],
  encode: Encoder,
  signal?: AbortSignal,
): Promise<EncodedExample[]> {
  const out: EncodedExample[] = [];
  for (let i = 0; i < inputs.length; i += CHUNK)
    out.push(...(await encode(inputs.slice(i, i + CHUNK), signal)));
  return out;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Writes (or finds, on resume) `train.jsonl` and `validation.jsonl` in `dir`. */
export async function prepareData(options: {
  dir: string;
  inputs: () => Promise<TrainingInput[]>;
  encode: Encoder;
  validationSplit: number;
  seed: number;
  signal?: AbortSignal;
}): Promise<PreparedData & { reused: boolean; examples: number }> {
  const train = join(options.dir, 'train.jsonl');
  const validation = join(options.dir, 'validation.jsonl');
  const marker = join(options.dir, 'data.done');
  if (await exists(marker)) {
    const hasValidation = await exists(validation);
    return { train, validation: hasValidation ? validation : null, reused: true, examples: -1 };
  }
  await mkdir(options.dir, { recursive: true });
  const encoded = await encodeAll(await options.inputs(), options.encode, options.signal);
  const order = seededOrder(encoded.length, options.seed);
  const held = validationCount(encoded.length, options.validationSplit);
  const lines = (indices: number[]) =>
    indices.map((i) => JSON.stringify(encoded[i])).join('\n') + (indices.length > 0 ? '\n' : '');
  await writeFileAtomic(train, lines(order.slice(held)));
  if (held > 0) await writeFileAtomic(validation, lines(order.slice(0, held)));
  await writeFileAtomic(marker, `${encoded.length}\n`);
  return { train, validation: held > 0 ? validation : null, reused: false, examples: encoded.length };
}
