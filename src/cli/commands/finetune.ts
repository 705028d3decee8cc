/**
 * `corral finetune`: upload a dataset and start a LoRA job, follow it with a live progress bar and loss figures,
 * and list, show, cancel, resume or read the logs of jobs.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Client, CreateFinetuneJobRequest, FinetuneJob, FinetuneProgress } from '../../api/index.js';
import { FINISHED_JOB_STATES } from '../../api/index.js';
import { formatDuration } from '../../lib/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table, timeAgo } from '../format.js';
import { clientFor, print, UsageError, type CliIo } from '../io.js';
import { progressBar } from '../progress.js';

const number = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number`);
  return n;
};

/** One status line: `step 12/100 ▕██▏ 12% loss 2.3412 val 2.4100 1,234 tok/s ETA 30s`. */
export function progressLine(p: FinetuneProgress): string {
  const step = p.step ?? 0;
  const total = p.total_steps ?? 0;
  const parts = [`step ${step}/${total || '?'}`];
  if (total > 0) parts.push(`${progressBar(step / total)} ${Math.floor((step / total) * 100)}%`);
  if (p.train_loss !== undefined) parts.push(`loss ${p.train_loss.toFixed(4)}`);
  if (p.validation_loss !== undefined) parts.push(`val ${p.validation_loss.toFixed(4)}`);
  if (p.tokens_per_second !== undefined)
    parts.push(`${Math.round(p.tokens_per_second).toLocaleString('en-US')} tok/s`);
  if (p.eta_seconds !== undefined && step < total) parts.push(`ETA ${formatDuration(p.eta_seconds * 1000)}`);
  return parts.join('  ');
}

/** Follows a job until it finishes; exit code 0 when it succeeded. */
async function follow(client: Client, id: string, io: CliIo): Promise<number> {
  let final: FinetuneJob | undefined;
  let open = false;
  let lastPrinted = -1;
  const show = (p: FinetuneProgress) => {
    const line = progressLine(p);
    if (io.stderr.isTTY) {
      io.stderr.write(`\r\x1b[K${line}`);
      open = true;
    } else {
      // Without a terminal, one line per tenth of the run keeps logs short.
      const tenth = p.total_steps ? Math.floor(((p.step ?? 0) / p.total_steps) * 10) : 0;
      if (tenth === lastPrinted) return;
      lastPrinted = tenth;
      io.stderr.write(`${line}\n`);
    }
  };
  await client.finetuneEvents(
    id,
    (e) => {
      if (e.event === 'snapshot' || e.event === 'job') {
        final = e.data;
        if (e.event === 'snapshot' && e.data.progress.step !== undefined) show(e.data.progress);
      } else if (e.event === 'progress') show(e.data);
    },
    io.interrupted,
  );
  if (open) io.stderr.write('\n');
  if (io.interrupted.aborted) {
    print(
      io.stderr,
      `Stopped following; the job goes on. Follow it again with: corral finetune show ${id} --follow`,
    );
    return 0;
  }
  const job = final ?? (await client.finetuneJob(id));
  if (job.state === 'succeeded') {
    print(io.stdout, `Fine-tuned model ${job.output_model} is ready: corral run ${job.output_model}`);
    return 0;
  }
  if (!FINISHED_JOB_STATES.includes(job.state)) {
    print(io.stderr, `The server ended the stream; job ${id} is ${job.state}.`);
    return 1;
  }
  print(io.stderr, `Job ${id} ${job.state}${job.error === null ? '' : `: ${job.error}`}`);
  return 1;
}

async function create(client: Client, io: CliIo, positionals: string[], v: Record<string, unknown>) {
  const [model, data] = positionals;
  if (model === undefined || (data === undefined) === (v.dataset === undefined))
    throw new UsageError('expected MODEL and either a DATA.jsonl file or --dataset NAME');
  let dataset = v.dataset as string | undefined;
  if (data !== undefined) {
    const path = resolve(io.cwd, data);
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${data}: ${(err as Error).message}`);
    }
    const name = `${basename(path)
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '-')}-${Date.now().toString(36)}`;
    const created = await client.createDataset({ name, content });
    print(io.stderr, `Uploaded dataset ${created.name}: ${created.examples} ${created.format} examples.`);
    dataset = created.id;
  }
  const req: CreateFinetuneJobRequest = {
    model,
    dataset: dataset as string,
    name: v.name as string | undefined,
    rank: number('rank', v.rank as string | undefined),
    alpha: number('alpha', v.alpha as string | undefined),
    dropout: number('dropout', v.dropout as string | undefined),
    learning_rate: number('learning-rate', v['learning-rate'] as string | undefined),
    lr_schedule: v.schedule as CreateFinetuneJobRequest['lr_schedule'],
    epochs: number('epochs', v.epochs as string | undefined),
    batch_size: number('batch-size', v['batch-size'] as string | undefined),
    gradient_accumulation: number('grad-accum', v['grad-accum'] as string | undefined),
    max_seq_len: number('max-seq-len', v['max-seq-len'] as string | undefined),
    seed: number('seed', v.seed as string | undefined),
    validation_split: number('validation-split', v['validation-split'] as string | undefined),
    target_modules:
      typeof v.modules === 'string'
        ? (v.modules.split(',').map((m) => m.trim()) as CreateFinetuneJobRequest['target_modules'])
        : undefined,
  };
  const job = await client.createFinetuneJob(req);
  print(io.stdout, `Job ${job.id} queued: ${job.model} → ${job.output_model}`);
  return v.detach === true ? 0 : follow(client, job.id, io);
}

function jobRow(j: FinetuneJob): string[] {
  const p = j.progress;
  return [
    j.id,
    j.model,
    j.output_model,
    j.state,
    p.total_steps ? `${p.step ?? 0}/${p.total_steps}` : '-',
    p.train_loss === undefined ? '-' : p.train_loss.toFixed(4),
    timeAgo(new Date(j.created_at)),
  ];
}

export const finetuneCommand: Command = {
  name: 'finetune',
  summary: 'Fine-tune a model with LoRA on your own data',
  usage: [
    'corral finetune create MODEL DATA.jsonl|--dataset NAME [--name OUT] [--rank 8] [--alpha 16] [--dropout 0]',
    '      [--learning-rate 2e-4] [--schedule cosine|linear|constant] [--epochs 3] [--batch-size 4] [--grad-accum 1]',
    '      [--max-seq-len 1024] [--modules attn_q,attn_v,...] [--validation-split 0.1] [--seed 42] [--detach]',
    '  corral finetune list',
    '  corral finetune show ID [--follow]',
    '  corral finetune logs ID [--tail 100]',
    '  corral finetune cancel ID',
    '  corral finetune resume ID [--detach]',
    '  corral finetune datasets',
    '',
    'DATA.jsonl holds one example per line: {"messages":[...]}, {"instruction","input","output"},',
    '{"prompt","completion"} or {"text"}. The result is served as a new model as soon as the job succeeds.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      dataset: { type: 'string' },
      name: { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      dropout: { type: 'string' },
      'learning-rate': { type: 'string' },
      schedule: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'grad-accum': { type: 'string' },
      'max-seq-len': { type: 'string' },
      modules: { type: 'string' },
      'validation-split': { type: 'string' },
      seed: { type: 'string' },
      detach: { type: 'boolean' },
      follow: { type: 'boolean' },
      tail: { type: 'string' },
    });
    const [action, ...rest] = positionals;
    const client = clientFor(io);
    const [id] = rest;
    switch (action) {
      case 'create':
        return create(client, io, rest, values);
      case 'list': {
        const { jobs } = await client.finetuneJobs();
        io.stdout.write(
          table(['ID', 'BASE', 'OUTPUT', 'STATE', 'STEP', 'LOSS', 'CREATED'], jobs.map(jobRow)),
        );
        return 0;
      }
      case 'datasets': {
        const { datasets } = await client.datasets();
        const rows = datasets.map((d) => [
          d.id,
          d.name,
          d.format,
          String(d.examples),
          timeAgo(new Date(d.created_at)),
        ]);
        io.stdout.write(table(['ID', 'NAME', 'FORMAT', 'EXAMPLES', 'CREATED'], rows));
        return 0;
      }
    }
    if (id === undefined || rest.length !== 1) throw new UsageError(`expected ${action ?? 'an action'} ID`);
    switch (action) {
      case 'show': {
        const job = await client.finetuneJob(id);
        const lines = [
          `id          ${job.id}`,
          `state       ${job.state}${job.error === null ? '' : ` (${job.error})`}`,
          `base        ${job.model}`,
          `dataset     ${job.dataset_name ?? job.dataset ?? '(deleted)'}`,
          `output      ${job.output_model}`,
          `progress    ${progressLine(job.progress)}`,
          `checkpoint  ${job.checkpoint_step ?? '-'}`,
          `settings    ${JSON.stringify(job.settings)}`,
        ];
        io.stdout.write(lines.join('\n') + '\n');
        return values.follow === true && !FINISHED_JOB_STATES.includes(job.state)
          ? follow(client, id, io)
          : 0;
      }
      case 'logs': {
        const { lines } = await client.finetuneLogs(id, number('tail', values.tail));
        if (lines.length > 0) io.stdout.write(lines.join('\n') + '\n');
        return 0;
      }
      case 'cancel': {
        const job = await client.cancelFinetuneJob(id);
        print(io.stdout, `Job ${id} is ${job.state}.`);
        return 0;
      }
      case 'resume': {
        await client.resumeFinetuneJob(id);
        print(io.stdout, `Job ${id} queued again; it continues from its last checkpoint.`);
        return values.detach === true ? 0 : follow(client, id, io);
      }
      default:
        throw new UsageError('expected create, list, show, logs, cancel, resume or datasets');
    }
  },
};
