/**
 * Ollama's sampling options → node-llama-cpp generation options. Absent options take Ollama's defaults
 * (`api/types.go` `DefaultOptions`), so a request means the same thing here as it does to Ollama.
 */
import type { LLamaContextualRepeatPenalty } from 'node-llama-cpp';
import type { SamplingOptions } from '../../core/index.js';

/** Ollama's defaults for the options a runner applies itself. */
export const SAMPLING_DEFAULTS = {
  temperature: 0.8,
  top_k: 40,
  top_p: 0.9,
  min_p: 0,
  repeat_penalty: 1.1,
  repeat_last_n: 64,
  presence_penalty: 0,
  frequency_penalty: 0,
} as const;

/** The sampling part of `LlamaChat.generateResponse` / `LlamaCompletion.generateCompletion` options. */
export interface LlamaSampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number | undefined;
  repeatPenalty: false | LLamaContextualRepeatPenalty;
  customStopTriggers: string[] | undefined;
  maxTokens: number;
}

/**
 * Maps options for a prompt that leaves `room` free context cells. `num_predict` absent, -1 or -2 means "until the
 * context is full": random-weight (and some real) models never stop on their own, so generation is always capped.
 * `typical_p` has no node-llama-cpp counterpart and is ignored.
 */
export function toLlamaSampling(options: SamplingOptions, room: number): LlamaSampling {
  const o = { ...SAMPLING_DEFAULTS, ...stripUndefined(options) };
  const lastN = o.repeat_last_n < 0 ? room : o.repeat_last_n;
  const penaltyOff =
    lastN === 0 || (o.repeat_penalty === 1 && o.presence_penalty === 0 && o.frequency_penalty === 0);
  const predict = options.num_predict;
  return {
    temperature: Math.max(0, o.temperature),
    topK: Math.max(0, Math.floor(o.top_k)),
    topP: o.top_p,
    minP: o.min_p,
    seed: options.seed !== undefined && options.seed >= 0 ? Math.floor(options.seed) : undefined,
    repeatPenalty: penaltyOff
      ? false
      : {
          lastTokens: lastN,
          penalty: o.repeat_penalty,
          presencePenalty: o.presence_penalty,
          frequencyPenalty: o.frequency_penalty,
          // llama.cpp's penalty sampler punishes newlines like any token; node-llama-cpp spares them by default.
          penalizeNewLine: true,
        },
    customStopTriggers:
      options.stop && options.stop.length > 0 ? options.stop.filter((s) => s !== '') : undefined,
    maxTokens: predict !== undefined && predict > 0 ? Math.min(Math.floor(predict), room) : room,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
