/** Fine-tuning datasets, jobs (the durable queue: state changes are conditional updates) and loss curves. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { FinetuneJobState } from '../api/index.js';
import { changed, parseObject, toDate, toDateOrNull, toText } from './codec.js';
import { guard } from './guard.js';
import type { FinetuneDatasetsTable, FinetuneJobsTable, Schema } from './schema.js';

/** Where a job is: queued → running → succeeded | failed | cancelled (a failed or cancelled job may be resumed). */
export type { FinetuneJobState };

export interface FinetuneDatasetRecord {
  id: string;
  name: string;
  format: string;
  examples: number;
  bytes: number;
  sha256: string;
  createdBy: string | null;
  createdAt: Date;
}

export interface FinetuneJobRecord {
  id: string;
  baseModel: string;
  /** Null once the dataset is deleted (a finished job keeps its record). */
  datasetId: string | null;
  outputModel: string;
  settings: Record<string, unknown>;
  state: FinetuneJobState;
  error: string | null;
  progress: Record<string, unknown> | null;
  checkpointStep: number | null;
  /** How many times the job has been started (a resume or a restart counts). */
  attempts: number;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** One point of a loss curve. */
export interface FinetuneMetricPoint {
  kind: 'train' | 'validation';
  step: number;
  value: number;
  learningRate: number | null;
}

/** What a state change may also set. */
export type FinetuneJobChange = Partial<
  Pick<FinetuneJobRecord, 'state' | 'error' | 'progress' | 'checkpointStep' | 'startedAt' | 'finishedAt'>
> & { incrementAttempts?: boolean };

export interface FinetuneRepository {
  /** Records a dataset (`id`: a UUID, random when absent). */
  createDataset(
    d: Omit<FinetuneDatasetRecord, 'id' | 'createdAt'> & { id?: string },
  ): Promise<FinetuneDatasetRecord>;
  /** By id or by name. */
  getDataset(idOrName: string): Promise<FinetuneDatasetRecord | undefined>;
  /** Newest first. */
  listDatasets(): Promise<FinetuneDatasetRecord[]>;
  deleteDataset(id: string): Promise<boolean>;
  createJob(
    j: Pick<FinetuneJobRecord, 'baseModel' | 'datasetId' | 'outputModel' | 'settings' | 'createdBy'>,
  ): Promise<FinetuneJobRecord>;
  getJob(id: string): Promise<FinetuneJobRecord | undefined>;
  /** Newest first, optionally only in some states or using one dataset. */
  listJobs(q?: { states?: readonly FinetuneJobState[]; datasetId?: string }): Promise<FinetuneJobRecord[]>;
  /**
   * Applies `change` only while the job is in one of `from` (a compare-and-set: two servers or a cancel racing a
   * start cannot both win). Returns the updated job, or undefined when it was not in `from` (or does not exist).
   */
  transition(
    id: string,
    from: readonly FinetuneJobState[],
    change: FinetuneJobChange,
  ): Promise<FinetuneJobRecord | undefined>;
  /** The oldest queued job, claimed atomically (queued → running), or undefined when none is queued. */
  claimNext(): Promise<FinetuneJobRecord | undefined>;
  deleteJob(id: string): Promise<boolean>;
  /** Records points; a point already recorded for (kind, step) is replaced (a resumed run repeats steps). */
  addMetrics(jobId: string, points: readonly FinetuneMetricPoint[]): Promise<void>;
  /** The job's points in step order. */
  metrics(jobId: string): Promise<FinetuneMetricPoint[]>;
}

function toDataset(row: Selectable<FinetuneDatasetsTable>): FinetuneDatasetRecord {
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    examples: Number(row.examples),
    bytes: Number(row.bytes),
    sha256: row.sha256,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
  };
}

function toJob(row: Selectable<FinetuneJobsTable>): FinetuneJobRecord {
  return {
    id: row.id,
    baseModel: row.base_model,
    datasetId: row.dataset_id,
    outputModel: row.output_model,
    settings: parseObject(row.settings),
    state: row.state as FinetuneJobState,
    error: row.error,
    progress: row.progress === null ? null : parseObject(row.progress),
    checkpointStep: row.checkpoint_step === null ? null : Number(row.checkpoint_step),
    attempts: Number(row.attempts),
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    updatedAt: toDate(row.updated_at),
  };
}

function changeColumns(change: FinetuneJobChange) {
  return {
    ...(change.state !== undefined && { state: change.state }),
    ...(change.error !== undefined && { error: change.error }),
    ...(change.progress !== undefined && {
      progress: change.progress === null ? null : JSON.stringify(change.progress),
    }),
    ...(change.checkpointStep !== undefined && { checkpoint_step: change.checkpointStep }),
    ...(change.startedAt !== undefined && { started_at: change.startedAt && toText(change.startedAt) }),
    ...(change.finishedAt !== undefined && { finished_at: change.finishedAt && toText(change.finishedAt) }),
    updated_at: toText(new Date()),
  };
}

export function createFinetuneRepository(db: Kysely<Schema>): FinetuneRepository {
  const jobs = () => db.selectFrom('finetune_jobs').selectAll();
  const repo: FinetuneRepository = {
    async createDataset(d) {
      const row = {
        id: d.id ?? randomUUID(),
        name: d.name,
        format: d.format,
        examples: d.examples,
        bytes: d.bytes,
        sha256: d.sha256,
        created_by: d.createdBy,
        created_at: toText(new Date()),
      };
      await guard(() => db.insertInto('finetune_datasets').values(row).execute(), {
        conflict: `a dataset named '${d.name}' already exists`,
        missing: `no user with id '${d.createdBy ?? ''}'`,
      });
      return toDataset(row);
    },
    async getDataset(idOrName) {
      const row = await guard(() =>
        db
          .selectFrom('finetune_datasets')
          .selectAll()
          .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
          .executeTakeFirst(),
      );
      return row && toDataset(row);
    },
    async listDatasets() {
      const rows = await guard(() =>
        db.selectFrom('finetune_datasets').selectAll().orderBy('created_at', 'desc').orderBy('id').execute(),
      );
      return rows.map(toDataset);
    },
    async deleteDataset(id) {
      const r = await guard(() => db.deleteFrom('finetune_datasets').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
    async createJob(j) {
      const now = toText(new Date());
      const row = {
        id: randomUUID(),
        base_model: j.baseModel,
        dataset_id: j.datasetId,
        output_model: j.outputModel,
        settings: JSON.stringify(j.settings),
        state: 'queued',
        error: null,
        progress: null,
        checkpoint_step: null,
        attempts: 0,
        created_by: j.createdBy,
        created_at: now,
        started_at: null,
        finished_at: null,
        updated_at: now,
      };
      await guard(() => db.insertInto('finetune_jobs').values(row).execute(), {
        missing: `no dataset with id '${j.datasetId ?? ''}' (or no such user)`,
      });
      return toJob(row);
    },
    async getJob(id) {
      const row = await guard(() => jobs().where('id', '=', id).executeTakeFirst());
      return row && toJob(row);
    },
    async listJobs(q = {}) {
      let query = jobs();
      if (q.states !== undefined && q.states.length > 0) query = query.where('state', 'in', [...q.states]);
      if (q.datasetId !== undefined) query = query.where('dataset_id', '=', q.datasetId);
      const rows = await guard(() => query.orderBy('created_at', 'desc').orderBy('id').execute());
      return rows.map(toJob);
    },
    async transition(id, from, change) {
      let update = db.updateTable('finetune_jobs').set(changeColumns(change));
      if (change.incrementAttempts === true)
        update = update.set((eb) => ({ attempts: eb('attempts', '+', 1) }));
      const r = await guard(() =>
        update
          .where('id', '=', id)
          .where('state', 'in', [...from])
          .executeTakeFirst(),
      );
      if (changed(r.numUpdatedRows) === 0) return undefined;
      return repo.getJob(id);
    },
    async claimNext() {
      // Oldest first; a lost race (another server claimed it) moves on to the next candidate.
      for (;;) {
        const next = await guard(() =>
          db
            .selectFrom('finetune_jobs')
            .select('id')
            .where('state', '=', 'queued')
            .orderBy('created_at')
            .orderBy('id')
            .executeTakeFirst(),
        );
        if (next === undefined) return undefined;
        const claimed = await repo.transition(next.id, ['queued'], {
          state: 'running',
          startedAt: new Date(),
          error: null,
          incrementAttempts: true,
        });
        if (claimed !== undefined) return claimed;
      }
    },
    async deleteJob(id) {
      const r = await guard(() => db.deleteFrom('finetune_jobs').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
    async addMetrics(jobId, points) {
      if (points.length === 0) return;
      const at = toText(new Date());
      const rows = points.map((p) => ({
        job_id: jobId,
        kind: p.kind,
        step: p.step,
        value: p.value,
        learning_rate: p.learningRate,
        at,
      }));
      await guard(() =>
        db
          .insertInto('finetune_metrics')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['job_id', 'kind', 'step']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              learning_rate: eb.ref('excluded.learning_rate'),
              at: eb.ref('excluded.at'),
            })),
          )
          .execute(),
      );
    },
    async metrics(jobId) {
      const rows = await guard(() =>
        db
          .selectFrom('finetune_metrics')
          .selectAll()
          .where('job_id', '=', jobId)
          .orderBy('step')
          .orderBy('kind')
          .execute(),
      );
      return rows.map((r) => ({
        kind: r.kind as 'train' | 'validation',
        step: Number(r.step),
        value: Number(r.value),
        learningRate: r.learning_rate === null ? null : Number(r.learning_rate),
      }));
    },
  };
  return repo;
}
