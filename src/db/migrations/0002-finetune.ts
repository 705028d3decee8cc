/**
 * Fine-tuning: uploaded datasets, the durable job queue and each job's loss curve. The dataset files themselves
 * live under `$CORRAL_HOME/finetune/datasets`; these rows say what they are.
 */
import type { Kysely, Migration } from 'kysely';

export function finetuneMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('finetune_datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('examples', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('finetune_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('base_model', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'text', (c) => c.references('finetune_datasets.id').onDelete('set null'))
        .addColumn('output_model', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('progress', 'text')
        .addColumn('checkpoint_step', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('finetune_jobs_state').on('finetune_jobs').column('state').execute();

      await db.schema
        .createTable('finetune_metrics')
        .addColumn('job_id', 'text', (c) => c.notNull().references('finetune_jobs.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('learning_rate', 'double precision')
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('finetune_metrics_pk', ['job_id', 'kind', 'step'])
        .execute();
    },
  };
}
