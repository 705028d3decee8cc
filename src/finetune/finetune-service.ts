/**
 * Fine-tuning: datasets, the durable job queue and the jobs themselves. Jobs live in the database (queued →
 * running → succeeded | failed | cancelled); one runs at a time on this server. A job's files live in
 * `<root>/work/<id>` (encoded data, trainer config, checkpoints, adapter) and its log in `<root>/logs/<id>.log`.
 *
 * - Start-up: a job left `running` by a server that died resumes from its last checkpoint (it is queued again), or
 *   fails with the reason when it never reached one. Work folders of jobs that no longer need them are removed.
 * - Success: the adapter becomes a GGUF LoRA, a new model `FROM <base>` + `ADAPTER` is created in the store (so
 *   every API serves it at once), and the work folder is removed.
 * - Failure or cancel: everything but the checkpoints and encoded data is removed; `resume` continues from the
 *   last checkpoint, and deleting the job removes the rest.
 * - Shutdown: a running trainer is stopped and the job queued again, to resume at the next start.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FINISHED_JOB_STATES } from '../api/index.js';
import { AppError, isAppError, type Logger, type TrainingInput } from '../core/index.js';
import type { FinetuneDatasetRecord, FinetuneJobRecord, FinetuneRepository } from '../db/index.js';
import { ensureDiskSpace, statfsFreeBytes, type FreeBytes } from '../store/index.js';
import { DatasetFiles } from './dataset-files.js';
import { parseDataset, type DatasetFormat } from './dataset-format.js';
import { FinetuneEvents } from './finetune-events.js';
import { jobRequestSchema, jobSettings, type JobRequest, type JobSettings } from './job-settings.js';
import { JobLog } from './job-log.js';
import { encodeAll, prepareData, validationCount, type Encoder } from './prepare-data.js';
import { runTrainer, type TrainerRun } from './run-trainer.js';
import { checkTrainableModel } from './trainable-model.js';

/** What the service needs from the inference stack and the model store. */
export interface FinetuneModels {
  /** The base model's file and facts; `MODEL_NOT_FOUND` when there is none. */
  resolve(name: string): Promise<{ modelPath: string; adapters: readonly unknown[]; name: string }>;
  /** Whether a model of this name is in the store (profiles are not). */
  stored(name: string): Promise<boolean>;
  encode(model: string): Encoder;
  /** Creates `name` from a Modelfile. */
  create(name: string, modelfile: string, baseDir: string): Promise<void>;
}

export interface FinetuneServiceOptions {
  repo: FinetuneRepository;
  models: FinetuneModels;
  /** `$CORRAL_HOME/finetune`. */
  root: string;
  /** Python interpreter with PyTorch (`CORRAL_PYTHON`); found automatically when empty. */
  python?: string;
  /** CPU threads the trainer may use. */
  threads: number;
  log: Logger;
  freeBytes?: FreeBytes;
  /** A trainer silent this long is stopped (default 10 minutes). */
  stallTimeoutMs?: number;
}

/** Dataset statistics with a model's tokenizer. */
export interface DatasetStats {
  model: string;
  examples: number;
  tokens: number;
  trainedTokens: number;
  longest: number;
  mean: number;
}

interface ActiveJob {
  id: string;
  run?: TrainerRun;
  controller: AbortController;
  done: Promise<void>;
}

export class FinetuneService {
  readonly events = new FinetuneEvents();
  readonly #o: FinetuneServiceOptions;
  readonly #datasets: DatasetFiles;
  readonly #freeBytes: FreeBytes;
  #active: ActiveJob | undefined;
  #closed = false;
  #pumping: Promise<void> | undefined;

  constructor(options: FinetuneServiceOptions) {
    this.#o = options;
    this.#datasets = new DatasetFiles(join(options.root, 'datasets'));
    this.#freeBytes = options.freeBytes ?? statfsFreeBytes;
  }

  #workDir(id: string): string {
    return join(this.#o.root, 'work', id);
  }

  logPath(id: string): string {
    return join(this.#o.root, 'logs', `${id}.log`);
  }

  // ---- datasets -------------------------------------------------------------------------------------------

  /** Parses, stores and records a dataset; `INVALID_REQUEST` listing every bad line. */
  async createDataset(input: {
    name: string;
    content: string;
    format?: DatasetFormat;
    createdBy: string | null;
  }): Promise<FinetuneDatasetRecord> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(input.name))
      throw new AppError(
        'INVALID_REQUEST',
        'a dataset name is 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      );
    if ((await this.#o.repo.getDataset(input.name)) !== undefined)
      throw new AppError('CONFLICT', `a dataset named '${input.name}' already exists`);
    const parsed = parseDataset(input.content, input.format);
    // The file is written first: a row never points at a missing file; a refused row removes the file again.
    const id = randomUUID();
    const { bytes, sha256 } = await this.#datasets.write(id, parsed.examples);
    try {
      return await this.#o.repo.createDataset({
        id,
        name: input.name,
        format: parsed.format,
        examples: parsed.examples.length,
        bytes,
        sha256,
        createdBy: input.createdBy,
      });
    } catch (err) {
      await this.#datasets.remove(id);
      throw err;
    }
  }

  async dataset(idOrName: string): Promise<FinetuneDatasetRecord> {
    const record = await this.#o.repo.getDataset(idOrName);
    if (record === undefined)
      throw new AppError('RESOURCE_NOT_FOUND', `no dataset '${idOrName}'`, {
        details: { dataset: idOrName },
      });
    return record;
  }

  listDatasets(): Promise<FinetuneDatasetRecord[]> {
    return this.#o.repo.listDatasets();
  }

  /** The first `count` examples. */
  async preview(idOrName: string, count = 5): Promise<TrainingInput[]> {
    const record = await this.dataset(idOrName);
    return (await this.#datasets.read(record.id)).slice(0, count);
  }

  /** Token statistics with `model`'s tokenizer and template (loads the model). */
  async stats(idOrName: string, model: string, signal?: AbortSignal): Promise<DatasetStats> {
    const record = await this.dataset(idOrName);
    const encoded = await encodeAll(
      await this.#datasets.read(record.id),
      this.#o.models.encode(model),
      signal,
    );
    const lengths = encoded.map((e) => e.tokens.length);
    const tokens = lengths.reduce((a, b) => a + b, 0);
    return {
      model,
      examples: encoded.length,
      tokens,
      trainedTokens: encoded.reduce((sum, e) => sum + e.mask.reduce((a, b) => a + b, 0), 0),
      longest: Math.max(0, ...lengths),
      mean: encoded.length === 0 ? 0 : tokens / encoded.length,
    };
  }

  /** Deletes a dataset; `CONFLICT` while a queued or running job uses it. */
  async deleteDataset(idOrName: string): Promise<void> {
    const record = await this.dataset(idOrName);
    const users = await this.#o.repo.listJobs({ states: ['queued', 'running'], datasetId: record.id });
    if (users.length > 0)
      throw new AppError(
        'CONFLICT',
        `dataset '${record.name}' is used by ${users.length === 1 ? 'job' : 'jobs'} ${users.map((j) => j.id).join(', ')}; cancel ${users.length === 1 ? 'it' : 'them'} first`,
      );
    await this.#o.repo.deleteDataset(record.id);
    await this.#datasets.remove(record.id);
  }

  // ---- jobs -----------------------------------------------------------------------------------------------

  /** Validates a job request against its model and dataset and queues it. */
  async createJob(body: unknown, createdBy: string | null): Promise<FinetuneJobRecord> {
    const parsed = jobRequestSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) =>
        i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
      );
      throw new AppError('INVALID_REQUEST', `invalid fine-tuning job: ${problems.join('; ')}`, {
        details: { issues: parsed.error.issues },
      });
    }
    const request = parsed.data;
    const settings = jobSettings(request);
    const dataset = await this.dataset(request.dataset);
    await this.#checkModel(request, settings);
    const train = dataset.examples - validationCount(dataset.examples, settings.validation_split);
    if (settings.batch_size > train)
      throw new AppError(
        'INVALID_REQUEST',
        `batch_size ${settings.batch_size} is larger than the ${train} training examples of dataset '${dataset.name}'`,
      );
    const output = request.name ?? `${request.model.replace(/:.*$/, '')}-ft-${Date.now().toString(36)}`;
    if (await this.#o.models.stored(output))
      throw new AppError('CONFLICT', `a model named '${output}' already exists; choose another name`);
    const job = await this.#o.repo.createJob({
      baseModel: request.model,
      datasetId: dataset.id,
      outputModel: output,
      settings: { ...settings, dataset_name: dataset.name },
      createdBy,
    });
    this.#o.log.info({ job: job.id, model: job.baseModel, dataset: dataset.name }, 'fine-tuning job queued');
    this.#pump();
    return job;
  }

  async #checkModel(request: JobRequest, settings: JobSettings): Promise<void> {
    if (!(await this.#o.models.stored(request.model)))
      throw new AppError(
        'MODEL_NOT_FOUND',
        `model "${request.model}" not found; fine-tune a model in the store`,
        {
          details: { model: request.model },
        },
      );
    const base = await this.#o.models.resolve(request.model);
    if (base.adapters.length > 0)
      throw new AppError(
        'INVALID_REQUEST',
        `model "${request.model}" already has an adapter; fine-tune its base model instead`,
      );
    const model = await checkTrainableModel(base.modelPath, `model "${request.model}"`);
    if (model.contextLength !== undefined && settings.max_seq_len > model.contextLength)
      throw new AppError(
        'INVALID_REQUEST',
        `max_seq_len ${settings.max_seq_len} is over the model's context length of ${model.contextLength}`,
      );
  }

  async job(id: string): Promise<FinetuneJobRecord> {
    const job = await this.#o.repo.getJob(id);
    if (job === undefined)
      throw new AppError('RESOURCE_NOT_FOUND', `no fine-tuning job '${id}'`, { details: { job: id } });
    return job;
  }

  listJobs(): Promise<FinetuneJobRecord[]> {
    return this.#o.repo.listJobs();
  }

  metrics(id: string) {
    return this.#o.repo.metrics(id);
  }

  /** Cancels a queued job at once, a running one as soon as its trainer stops; `CONFLICT` for a finished job. */
  async cancel(id: string): Promise<FinetuneJobRecord> {
    const job = await this.job(id);
    if (job.state === 'queued') {
      const done = await this.#o.repo.transition(id, ['queued'], {
        state: 'cancelled',
        finishedAt: new Date(),
      });
      if (done !== undefined) return this.#announce(done);
    }
    // A job whose record already says it finished is done, even while its run is still closing its log.
    if (job.state === 'running' && this.#active?.id === id) {
      this.#active.controller.abort();
      this.#active.run?.cancel();
      await this.#active.done;
      return this.job(id);
    }
    throw new AppError('CONFLICT', `job ${id} is ${job.state}; only queued or running jobs can be cancelled`);
  }

  /** Queues a failed or cancelled job again; it continues from its last checkpoint. */
  async resume(id: string): Promise<FinetuneJobRecord> {
    const job = await this.job(id);
    if (job.datasetId === null)
      throw new AppError('CONFLICT', `job ${id} cannot resume: its dataset was deleted`);
    const queued = await this.#o.repo.transition(id, ['failed', 'cancelled'], {
      state: 'queued',
      error: null,
      finishedAt: null,
    });
    if (queued === undefined)
      throw new AppError(
        'CONFLICT',
        `job ${id} is ${job.state}; only failed or cancelled jobs can be resumed`,
      );
    this.#announce(queued);
    this.#pump();
    return queued;
  }

  /** Deletes a finished job with its files and log (the model it produced stays); `CONFLICT` otherwise. */
  async deleteJob(id: string): Promise<void> {
    const job = await this.job(id);
    if (!FINISHED_JOB_STATES.includes(job.state))
      throw new AppError('CONFLICT', `job ${id} is ${job.state}; cancel it before deleting it`);
    await this.#o.repo.deleteJob(id);
    await rm(this.#workDir(id), { recursive: true, force: true });
    await rm(this.logPath(id), { force: true });
  }

  logs(id: string, count = 500): Promise<string[]> {
    return JobLog.tail(this.logPath(id), count);
  }

  // ---- queue ----------------------------------------------------------------------------------------------

  /** Recovers jobs a previous server left running, removes stale work folders, and starts the queue. */
  async start(): Promise<void> {
    for (const job of await this.#o.repo.listJobs({ states: ['running'] })) {
      if (job.checkpointStep !== null) {
        const requeued = await this.#o.repo.transition(job.id, ['running'], { state: 'queued' });
        if (requeued)
          this.#o.log.info(
            { job: job.id, step: job.checkpointStep },
            'fine-tuning job resumes after a restart',
          );
      } else {
        await this.#o.repo.transition(job.id, ['running'], {
          state: 'failed',
          finishedAt: new Date(),
          error:
            'the server stopped while the job was running, before its first checkpoint; resume it to start again',
        });
        await this.#cleanup(job.id, { keepCheckpoints: false });
      }
    }
    await this.#sweepWorkDirs();
    this.#pump();
  }

  /** Stops taking jobs; a running trainer is stopped and its job queued again for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.events.closeAll();
    const active = this.#active;
    if (active !== undefined) {
      active.controller.abort();
      active.run?.kill();
      await active.done;
    }
    await this.#pumping;
  }

  async #sweepWorkDirs(): Promise<void> {
    const dir = join(this.#o.root, 'work');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const job = await this.#o.repo.getJob(name);
      if (job === undefined || job.state === 'succeeded')
        await rm(join(dir, name), { recursive: true, force: true });
      else if (job.state !== 'queued') await this.#cleanup(name, { keepCheckpoints: true });
    }
  }

  /** Removes a job's partial files: all of them, or all but the checkpoints and the encoded data. */
  async #cleanup(id: string, options: { keepCheckpoints: boolean }): Promise<void> {
    const dir = this.#workDir(id);
    if (!options.keepCheckpoints) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const keep = new Set(['checkpoints', 'train.jsonl', 'validation.jsonl', 'data.done']);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const name of names)
      if (!keep.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  }

  #announce(job: FinetuneJobRecord): FinetuneJobRecord {
    this.events.emit(job.id, { type: 'job', job });
    return job;
  }

  #pump(): void {
    if (this.#closed || this.#pumping !== undefined) return;
    this.#pumping = (async () => {
      try {
        while (!this.#closed) {
          const job = await this.#o.repo.claimNext();
          if (job === undefined) break;
          const controller = new AbortController();
          const active: ActiveJob = { id: job.id, controller, done: Promise.resolve() };
          this.#active = active;
          active.done = this.#run(job, active);
          await active.done;
          this.#active = undefined;
        }
      } catch (err) {
        this.#o.log.error({ err: (err as Error).message }, 'fine-tuning queue stopped');
      } finally {
        this.#pumping = undefined;
      }
    })();
  }

  async #run(
    job: FinetuneJobRecord,
    active: { controller: AbortController; run?: TrainerRun },
  ): Promise<void> {
    this.#announce(job);
    const log = await JobLog.open(
      this.logPath(job.id),
      this.#o.log.child({ component: 'finetune', job: job.id }),
      (line) => this.events.emit(job.id, { type: 'log', line }),
    );
    const settings = job.settings as unknown as JobSettings;
    const dir = this.#workDir(job.id);
    let outcome: { state: 'succeeded' | 'failed' | 'cancelled' | 'queued'; error?: string };
    try {
      log.info({ attempt: job.attempts, model: job.baseModel }, 'job started');
      const base = await this.#o.models.resolve(job.baseModel);
      const model = await checkTrainableModel(base.modelPath, `model "${job.baseModel}"`);
      // Checkpoints hold the LoRA weights and two optimizer moments; keep room for a few, plus the data.
      await ensureDiskSpace(
        this.#freeBytes,
        this.#o.root,
        64 * 2 ** 20 + model.parameters * 0.05 * 4 * 3 * 3,
        'fine-tuning job',
      );
      const datasetId = job.datasetId;
      if (datasetId === null) throw new AppError('CONFLICT', 'the dataset of this job was deleted');
      const data = await prepareData({
        dir,
        inputs: () => this.#datasets.read(datasetId),
        encode: this.#o.models.encode(job.baseModel),
        validationSplit: settings.validation_split,
        seed: settings.seed,
        signal: active.controller.signal,
      });
      log.info({ reused: data.reused, validation: data.validation !== null }, 'training data ready');
      if (active.controller.signal.aborted)
        throw new AppError('CANCELLED', 'cancelled before training started');
      const result = await runTrainer({
        job,
        settings,
        dir,
        basePath: base.modelPath,
        data,
        python: this.#o.python,
        threads: this.#o.threads,
        log,
        stallTimeoutMs: this.#o.stallTimeoutMs,
        repo: this.#o.repo,
        events: this.events,
        onStart: (run) => {
          active.run = run;
          if (active.controller.signal.aborted) run.cancel();
        },
      });
      if (result.kind === 'succeeded') {
        await this.#o.models.create(
          job.outputModel,
          `FROM ${job.baseModel}\nADAPTER ${result.adapterGguf}\n`,
          dir,
        );
        log.info(
          { model: job.outputModel, steps: result.steps, loss: result.trainLoss },
          'fine-tuned model created',
        );
        outcome = { state: 'succeeded' };
      } else if (result.kind === 'cancelled')
        outcome = this.#closed ? { state: 'queued' } : { state: 'cancelled' };
      else outcome = this.#closed ? { state: 'queued' } : { state: 'failed', error: result.message };
    } catch (err) {
      if (this.#closed) outcome = { state: 'queued' };
      else if (isAppError(err, 'CANCELLED') || active.controller.signal.aborted)
        outcome = { state: 'cancelled' };
      else outcome = { state: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
    try {
      if (outcome.state === 'succeeded') await this.#cleanup(job.id, { keepCheckpoints: false });
      else await this.#cleanup(job.id, { keepCheckpoints: true });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot remove the job files');
    }
    if (outcome.state === 'queued') log.info({}, 'server stopping: the job resumes at the next start');
    else if (outcome.state === 'failed') log.error({ error: outcome.error }, 'job failed');
    else log.info({}, `job ${outcome.state}`);
    const final = await this.#o.repo.transition(job.id, ['running'], {
      state: outcome.state,
      error: outcome.error ?? null,
      finishedAt: outcome.state === 'queued' ? null : new Date(),
    });
    if (final) this.#announce(final);
    await log.close();
  }
}
