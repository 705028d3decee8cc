/**
 * One trainer run for a job: writes the trainer's config, starts it under supervision, turns its messages into
 * job progress (database, loss curve, live events, log), and on success exports the GGUF LoRA adapter.
 */
import { join } from 'node:path';
import type { Logger } from '../core/index.js';
import type { FinetuneJobRecord, FinetuneRepository } from '../db/index.js';
import { writeAdapterGguf } from './adapter-gguf.js';
import type { FinetuneEvents } from './finetune-events.js';
import type { JobSettings } from './job-settings.js';
import type { PreparedData } from './prepare-data.js';
import { findTrainerPython, TrainerProcess } from './trainer-process.js';
import type { TrainerConfig, TrainerMessage } from './trainer-protocol.js';

/** The handle the service keeps to stop a run. */
export interface TrainerRun {
  cancel(): void;
  kill(): void;
}

export type TrainerRunResult =
  | { kind: 'succeeded'; adapterGguf: string; steps: number; trainLoss: number | null }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

/** Progress is written to the database at most this often (every message still reaches live listeners). */
const SAVE_INTERVAL_MS = 1_000;

export async function runTrainer(o: {
  job: FinetuneJobRecord;
  settings: JobSettings;
  dir: string;
  basePath: string;
  data: PreparedData;
  python: string | undefined;
  threads: number;
  log: Logger;
  stallTimeoutMs: number | undefined;
  repo: FinetuneRepository;
  events: FinetuneEvents;
  onStart: (run: TrainerRun) => void;
}): Promise<TrainerRunResult> {
  const { job, settings, repo, events, log } = o;
  const python = await findTrainerPython({ python: o.python });
  const config: TrainerConfig = {
    base_model: o.basePath,
    train_data: o.data.train,
    valid_data: o.data.validation,
    output_dir: o.dir,
    lora: {
      rank: settings.rank,
      alpha: settings.alpha,
      dropout: settings.dropout,
      target_modules: settings.target_modules,
    },
    learning_rate: settings.learning_rate,
    lr_schedule: settings.lr_schedule,
    warmup_steps: settings.warmup_steps,
    weight_decay: settings.weight_decay,
    epochs: settings.epochs,
    batch_size: settings.batch_size,
    grad_accum: settings.gradient_accumulation,
    max_seq_len: settings.max_seq_len,
    seed: settings.seed,
    checkpoint_every: settings.checkpoint_every,
    eval_every: 0,
    threads: o.threads,
    resume: true,
  };
  let progress: Record<string, unknown> = { ...(job.progress ?? {}) };
  let lastSave = 0;
  // Writes happen one after another, in message order.
  let writes: Promise<unknown> = Promise.resolve();
  const write = (work: () => Promise<unknown>) => {
    writes = writes.then(work).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'cannot record job progress');
    });
  };
  const onMessage = (m: TrainerMessage): void => {
    if (m.type === 'started') {
      progress = {
        ...progress,
        step: m.resumed_from_step ?? 0,
        total_steps: m.total_steps,
        device: m.device,
      };
      log.info(
        {
          device: m.device,
          steps: m.total_steps,
          examples: m.train_examples,
          tokens: m.train_tokens,
          trainable: m.trainable_parameters,
          resumedFrom: m.resumed_from_step ?? undefined,
        },
        'trainer started',
      );
    } else if (m.type === 'progress') {
      progress = {
        ...progress,
        step: m.step,
        total_steps: m.total_steps,
        epoch: m.epoch,
        train_loss: m.train_loss,
        learning_rate: m.learning_rate,
        tokens_per_second: m.tokens_per_second,
        eta_seconds: m.eta_seconds,
      };
      const point = {
        kind: 'train' as const,
        step: m.step,
        value: m.train_loss,
        learningRate: m.learning_rate,
      };
      events.emit(job.id, { type: 'progress', progress });
      events.emit(job.id, { type: 'metric', point });
      write(() => repo.addMetrics(job.id, [point]));
      if (Date.now() - lastSave >= SAVE_INTERVAL_MS || m.step === m.total_steps) {
        lastSave = Date.now();
        const snapshot = progress;
        write(() => repo.transition(job.id, ['running'], { progress: snapshot }));
      }
      if (m.step === 1 || m.step % 10 === 0 || m.step === m.total_steps)
        log.info(
          {
            step: `${m.step}/${m.total_steps}`,
            loss: Number(m.train_loss.toFixed(4)),
            tps: Math.round(m.tokens_per_second),
          },
          'training',
        );
    } else if (m.type === 'eval') {
      progress = { ...progress, validation_loss: m.validation_loss };
      const point = {
        kind: 'validation' as const,
        step: m.step,
        value: m.validation_loss,
        learningRate: null,
      };
      const snapshot = progress;
      events.emit(job.id, { type: 'progress', progress: snapshot });
      events.emit(job.id, { type: 'metric', point });
      write(() => repo.addMetrics(job.id, [point]));
      write(() => repo.transition(job.id, ['running'], { progress: snapshot }));
      log.info({ step: m.step, validationLoss: Number(m.validation_loss.toFixed(4)) }, 'validation');
    } else if (m.type === 'checkpoint') {
      const snapshot = progress;
      write(() => repo.transition(job.id, ['running'], { checkpointStep: m.step, progress: snapshot }));
      log.info({ step: m.step }, 'checkpoint saved');
    }
  };
  const trainer = await TrainerProcess.start({
    python: python.python,
    config,
    configPath: join(o.dir, 'trainer-config.json'),
    log,
    onMessage,
    stallTimeoutMs: o.stallTimeoutMs,
  });
  o.onStart(trainer);
  const outcome = await trainer.done;
  await writes;
  if (outcome.kind === 'cancelled') return { kind: 'cancelled' };
  if (outcome.kind === 'failed') return { kind: 'failed', message: outcome.message };
  const adapterGguf = join(o.dir, 'adapter.gguf');
  await writeAdapterGguf({
    safetensorsPath: outcome.adapter,
    baseGgufPath: o.basePath,
    outPath: adapterGguf,
    alpha: settings.alpha,
    name: job.outputModel,
  });
  await repo.transition(job.id, ['running'], { progress: { ...progress, step: outcome.steps } });
  return { kind: 'succeeded', adapterGguf, steps: outcome.steps, trainLoss: outcome.trainLoss };
}
