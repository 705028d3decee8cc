/**
 * A stand-in for `python3 corral_trainer.py` (set as `CORRAL_PYTHON`), so the console's fine-tuning test runs the
 * same with or without PyTorch: a Node script that answers `probe`, and for `train CONFIG` reports six steps of
 * falling loss with a validation every third step, 0.4 s apart, as src/finetune/trainer-protocol.ts describes.
 * Then it fails with {@link FAKE_FAILURE}, unless the job's seed is {@link SUCCEED_SEED}: then it writes a
 * zero LoRA of the base model's `blk.0.attn_q.weight` and reports `done`, and the server registers the model.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGguf } from '../../src/gguf/index.js';
import { writeSafetensors } from '../fixtures/safetensors-writer.js';

export const FAKE_FAILURE = 'fake trainer: stopped on purpose';
export const FAKE_LOSSES = [3.2, 2.9, 2.5, 2.2, 2.0, 1.9];
export const SUCCEED_SEED = 7;

const RANK = 4;

/** Writes the fake interpreter and its adapter into `dir`; returns the interpreter's path. */
export async function writeFakeTrainer(dir: string, baseGguf: string): Promise<string> {
  const weight = (await readGguf(baseGguf)).tensors.find((t) => t.name === 'blk.0.attn_q.weight');
  if (weight === undefined) throw new Error(`${baseGguf} has no blk.0.attn_q.weight`);
  const [nIn, nOut] = weight.dims as [number, number];
  const zeros = (n: number) => new Uint8Array(n * 4);
  const adapter = join(dir, 'adapter.safetensors');
  await writeSafetensors(adapter, [
    { name: 'blk.0.attn_q.weight.lora_a', dtype: 'F32', shape: [RANK, nIn], data: zeros(RANK * nIn) },
    { name: 'blk.0.attn_q.weight.lora_b', dtype: 'F32', shape: [nOut, RANK], data: zeros(nOut * RANK) },
  ]);
  const probe = { torch: '0.0-fake', numpy: '0.0', python_version: '3.0.0', cuda: false, devices: [] };
  const script = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const [command, configPath] = process.argv.slice(3);
const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const losses = ${JSON.stringify(FAKE_LOSSES)};
if (command === 'probe') {
  say(${JSON.stringify(probe)});
} else {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  const total = losses.length;
  say({ type: 'started', total_steps: total, steps_per_epoch: total, trainable_parameters: 1000,
    total_parameters: 100000, resumed_from_step: null, device: 'cpu', train_examples: 6, train_tokens: 60 });
  let step = 0;
  const tick = () => {
    step++;
    const loss = losses[step - 1];
    say({ type: 'progress', step, total_steps: total, epoch: step / total, train_loss: loss,
      learning_rate: 2e-4, tokens_per_second: 1000, eta_seconds: total - step });
    if (step % 3 === 0) say({ type: 'eval', step, validation_loss: loss + 0.3 });
    if (step < total) return setTimeout(tick, 400);
    if (config.seed !== ${SUCCEED_SEED}) {
      say({ type: 'error', message: ${JSON.stringify(FAKE_FAILURE)} });
      process.exitCode = 1;
      return;
    }
    const adapter = path.join(config.output_dir, 'adapter.safetensors');
    fs.copyFileSync(${JSON.stringify(adapter)}, adapter);
    say({ type: 'done', adapter, steps: total, train_loss: loss, validation_loss: loss + 0.3 });
  };
  setTimeout(tick, 400);
}
`;
  const path = join(dir, 'fake-python');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}
