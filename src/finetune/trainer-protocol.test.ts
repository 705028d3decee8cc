import { describe, expect, it } from 'vitest';
import { parseTrainerLine, trainerConfigSchema, type TrainerConfig } from './trainer-protocol.js';

const config: TrainerConfig = {
  base_model: '/m/base.gguf',
  train_data: '/d/train.jsonl',
  valid_data: null,
  output_dir: '/out',
  lora: { rank: 8, alpha: 16, dropout: 0, target_modules: ['attn_q', 'attn_v'] },
  learning_rate: 1e-3,
  lr_schedule: 'cosine',
  warmup_steps: 0,
  weight_decay: 0,
  epochs: 3,
  batch_size: 4,
  grad_accum: 1,
  max_seq_len: 512,
  seed: 42,
  checkpoint_every: 50,
  eval_every: 0,
  threads: 2,
  resume: true,
};

describe('trainerConfigSchema', () => {
  it('accepts a complete config, with or without a device', () => {
    expect(trainerConfigSchema.parse(config)).toEqual(config);
    expect(trainerConfigSchema.parse({ ...config, device: 'cpu' }).device).toBe('cpu');
  });

  it.each([
    ['relative paths', { base_model: 'base.gguf' }, 'base_model'],
    ['rank 0', { lora: { ...config.lora, rank: 0 } }, 'lora.rank'],
    ['dropout 1', { lora: { ...config.lora, dropout: 1 } }, 'lora.dropout'],
    [
      'an unknown module',
      { lora: { ...config.lora, target_modules: ['attn_qkv'] } },
      'lora.target_modules.0',
    ],
    [
      'a repeated module',
      { lora: { ...config.lora, target_modules: ['attn_q', 'attn_q'] } },
      'lora.target_modules',
    ],
    ['no modules', { lora: { ...config.lora, target_modules: [] } }, 'lora.target_modules'],
    ['a zero learning rate', { learning_rate: 0 }, 'learning_rate'],
    ['an unknown schedule', { lr_schedule: 'step' }, 'lr_schedule'],
    ['a fractional batch', { batch_size: 1.5 }, 'batch_size'],
    ['max_seq_len 1', { max_seq_len: 1 }, 'max_seq_len'],
    ['an unknown key', { learning_rate_typo: 1 }, ''],
  ])('refuses %s', (_name, change, path) => {
    const result = trainerConfigSchema.safeParse({ ...config, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});

describe('parseTrainerLine', () => {
  it.each([
    {
      type: 'started',
      total_steps: 30,
      steps_per_epoch: 10,
      trainable_parameters: 9728,
      total_parameters: 139584,
      resumed_from_step: null,
      device: 'cuda:0',
      train_examples: 40,
      train_tokens: 1200,
    },
    {
      type: 'progress',
      step: 5,
      total_steps: 30,
      epoch: 0.5,
      train_loss: 2.5,
      learning_rate: 1e-3,
      tokens_per_second: 812.5,
      eta_seconds: 12,
    },
    { type: 'eval', step: 10, validation_loss: 2.25 },
    { type: 'checkpoint', step: 10 },
    { type: 'done', adapter: '/out/adapter.safetensors', steps: 30, train_loss: 1.5, validation_loss: null },
    { type: 'cancelled', step: 7 },
    { type: 'error', message: 'tensor x has type Q6_K' },
  ])('parses $type', (message) => {
    expect(parseTrainerLine(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it.each([
    ['not JSON', 'Traceback (most recent call last):', /not JSON: "Traceback \(most recent call last\):"/],
    ['an unknown type', '{"type":"hello"}', /malformed message \(type: .*\): "\{\\"type\\":\\"hello\\"\}"/],
    ['a missing field', '{"type":"checkpoint"}', /malformed message \(step: /],
    [
      'a wrong type',
      '{"type":"eval","step":1,"validation_loss":"low"}',
      /malformed message \(validation_loss: /,
    ],
  ])('refuses %s, quoting the line', (_name, line, error) => {
    const parsed = parseTrainerLine(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it('cuts long lines in the error', () => {
    const parsed = parseTrainerLine('x'.repeat(5000));
    expect(parsed.ok ? '' : parsed.error).toHaveLength(
      'trainer printed a line that is not JSON: '.length + 203,
    );
  });
});
