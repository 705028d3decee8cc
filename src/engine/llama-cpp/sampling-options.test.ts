import { describe, expect, it } from 'vitest';
import type { SamplingOptions } from '../../core/index.js';
import { toLlamaSampling } from './sampling-options.js';

describe('toLlamaSampling', () => {
  it("applies Ollama's defaults and caps generation at the free room", () => {
    expect(toLlamaSampling({}, 100)).toEqual({
      temperature: 0.8,
      topK: 40,
      topP: 0.9,
      minP: 0,
      seed: undefined,
      repeatPenalty: {
        lastTokens: 64,
        penalty: 1.1,
        presencePenalty: 0,
        frequencyPenalty: 0,
        penalizeNewLine: true,
      },
      customStopTriggers: undefined,
      maxTokens: 100,
    });
  });

  const rows: Array<[string, SamplingOptions, number, Partial<ReturnType<typeof toLlamaSampling>>]> = [
    ['num_predict below room', { num_predict: 10 }, 100, { maxTokens: 10 }],
    ['num_predict above room is capped', { num_predict: 500 }, 100, { maxTokens: 100 }],
    ['num_predict -1: until the context is full', { num_predict: -1 }, 100, { maxTokens: 100 }],
    ['num_predict -2: until the context is full', { num_predict: -2 }, 100, { maxTokens: 100 }],
    ['greedy', { temperature: 0 }, 10, { temperature: 0 }],
    ['seed kept', { seed: 42 }, 10, { seed: 42 }],
    ['seed -1 means random', { seed: -1 }, 10, { seed: undefined }],
    ['stop strings', { stop: ['\n', '', 'END'] }, 10, { customStopTriggers: ['\n', 'END'] }],
    ['empty stop list', { stop: [] }, 10, { customStopTriggers: undefined }],
    ['repeat penalty 1 and no presence/frequency: off', { repeat_penalty: 1 }, 10, { repeatPenalty: false }],
    ['repeat_last_n 0: off', { repeat_last_n: 0 }, 10, { repeatPenalty: false }],
    [
      'repeat_last_n -1: the whole context',
      { repeat_last_n: -1, repeat_penalty: 1.2 },
      300,
      {
        repeatPenalty: {
          lastTokens: 300,
          penalty: 1.2,
          presencePenalty: 0,
          frequencyPenalty: 0,
          penalizeNewLine: true,
        },
      },
    ],
    [
      'presence and frequency penalties alone',
      { repeat_penalty: 1, presence_penalty: 0.5, frequency_penalty: 0.25, repeat_last_n: 32 },
      10,
      {
        repeatPenalty: {
          lastTokens: 32,
          penalty: 1,
          presencePenalty: 0.5,
          frequencyPenalty: 0.25,
          penalizeNewLine: true,
        },
      },
    ],
    ['top_k/top_p/min_p', { top_k: 5, top_p: 0.5, min_p: 0.1 }, 10, { topK: 5, topP: 0.5, minP: 0.1 }],
    ['undefined options fall back to defaults', { temperature: undefined }, 10, { temperature: 0.8 }],
  ];
  it.each(rows)('%s', (_name, options, room, expected) => {
    expect(toLlamaSampling(options, room)).toMatchObject(expected);
  });
});
