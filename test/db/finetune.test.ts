import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { nextMillisecond, unique, useDatabase } from './use-database.js';

describe.each(testDatabases)('fine-tuning records on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repository', () => {
    const db = useDatabase(tdb);
    const dataset = () =>
      db().finetune.createDataset({
        name: unique('ds'),
        format: 'chat',
        examples: 12,
        bytes: 3_000_000_000,
        sha256: 'sha256:abc',
        createdBy: null,
      });
    const job = async (datasetId: string) =>
      db().finetune.createJob({
        baseModel: 'tiny:latest',
        datasetId,
        outputModel: unique('out'),
        settings: { rank: 8, learningRate: 0.001 },
        createdBy: null,
      });

    it('stores datasets, finds them by id or name, and refuses a taken name', async () => {
      const d = await dataset();
      expect(await db().finetune.getDataset(d.id)).toEqual(d);
      expect(await db().finetune.getDataset(d.name)).toEqual(d);
      expect(d.bytes).toBe(3_000_000_000);
      const again = await db()
        .finetune.createDataset({ ...d, createdBy: null })
        .catch((e: unknown) => e);
      expect(isAppError(again, 'CONFLICT')).toBe(true);
    });

    it('claims the oldest queued job once, and state changes are compare-and-set', async () => {
      const d = await dataset();
      const first = await job(d.id);
      await nextMillisecond();
      const second = await job(d.id);
      const claimed = await db().finetune.claimNext();
      expect(claimed).toMatchObject({ id: first.id, state: 'running', attempts: 1 });
      expect(claimed?.startedAt).toBeInstanceOf(Date);
      // A cancel that lost the race to completion changes nothing.
      expect(await db().finetune.transition(first.id, ['queued'], { state: 'cancelled' })).toBeUndefined();
      const done = await db().finetune.transition(first.id, ['running'], {
        state: 'succeeded',
        finishedAt: new Date(),
        progress: { step: 10 },
        checkpointStep: 10,
      });
      expect(done).toMatchObject({ state: 'succeeded', progress: { step: 10 }, checkpointStep: 10 });
      expect((await db().finetune.claimNext())?.id).toBe(second.id);
      expect(await db().finetune.claimNext()).toBeUndefined();
      const running = await db().finetune.listJobs({ states: ['running'], datasetId: d.id });
      expect(running.map((j) => j.id)).toEqual([second.id]);
    });

    it('keeps one point per (kind, step), replacing repeats, in step order', async () => {
      const d = await dataset();
      const j = await job(d.id);
      await db().finetune.addMetrics(j.id, [
        { kind: 'train', step: 2, value: 1.5, learningRate: 0.001 },
        { kind: 'train', step: 1, value: 2.5, learningRate: 0.001 },
        { kind: 'validation', step: 2, value: 1.75, learningRate: null },
      ]);
      await db().finetune.addMetrics(j.id, [{ kind: 'train', step: 2, value: 1.25, learningRate: 0.0005 }]);
      expect(await db().finetune.metrics(j.id)).toEqual([
        { kind: 'train', step: 1, value: 2.5, learningRate: 0.001 },
        { kind: 'train', step: 2, value: 1.25, learningRate: 0.0005 },
        { kind: 'validation', step: 2, value: 1.75, learningRate: null },
      ]);
      expect(await db().finetune.deleteJob(j.id)).toBe(true);
      expect(await db().finetune.metrics(j.id)).toEqual([]);
    });

    it('deleting a dataset keeps the jobs that used it, without the link', async () => {
      const d = await dataset();
      const j = await job(d.id);
      expect(await db().finetune.deleteDataset(d.id)).toBe(true);
      expect((await db().finetune.getJob(j.id))?.datasetId).toBeNull();
    });
  });
});
