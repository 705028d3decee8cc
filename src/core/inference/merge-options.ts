/**
 * Options precedence, as Ollama applies it: the model's Modelfile PARAMETERs, then the request's `options`.
 * The result is split into load-time options (which pick or reload a runner) and sampling options.
 */
import type { RequestOptions, RuntimeOptions } from '../inference-types.js';
import type { SamplingOptions } from '../runner.js';

const SAMPLING_KEYS = [
  'temperature',
  'top_k',
  'top_p',
  'min_p',
  'typical_p',
  'repeat_penalty',
  'repeat_last_n',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'stop',
  'num_predict',
] as const satisfies ReadonlyArray<keyof SamplingOptions>;

const RUNTIME_KEYS = [
  'num_ctx',
  'num_thread',
  'num_batch',
  'num_gpu',
  'use_mmap',
] as const satisfies ReadonlyArray<keyof RuntimeOptions>;

export interface MergedOptions {
  sampling: SamplingOptions;
  runtime: RuntimeOptions;
}

type Loose = Record<string, unknown>;

/** Merge Modelfile parameters with request options (request wins; a request `stop` replaces the model's). */
export function mergeOptions(modelParams: Loose, request: RequestOptions): MergedOptions {
  const merged: Loose = { ...modelParams, ...stripUndefined(request as Loose) };
  const sampling: Loose = {};
  const runtime: Loose = {};
  for (const key of SAMPLING_KEYS) if (merged[key] !== undefined) sampling[key] = merged[key];
  for (const key of RUNTIME_KEYS) if (merged[key] !== undefined) runtime[key] = merged[key];
  if (typeof sampling.stop === 'string') sampling.stop = [sampling.stop];
  return { sampling: sampling, runtime: runtime };
}

function stripUndefined(value: Loose): Loose {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
