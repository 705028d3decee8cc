/**
 * Durable records of model pulls, one JSON file per model under `<models>/pulls/models/`, so the console can list
 * pulls that are running, were interrupted (client gone, server restarted or killed) or failed, and resume them
 * by pulling again (the partial blobs are kept beside them). A record is removed when its pull succeeds, is
 * cancelled, or stops before its manifest arrived (nothing to resume). Written atomically; an unreadable record
 * is logged and skipped.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger, ModelName } from '../../core/index.js';
import { isTempName, prepareDir, writeFileAtomic } from '../atomic-file.js';
import { isNotFound, readdirOrEmpty } from '../fs-util.js';

/** State of a recorded pull: `pulling` while it runs (a record left `pulling` by a crash reads as interrupted). */
export type PullState = 'pulling' | 'interrupted' | 'failed';

const recordSchema = z.object({
  model: z.string(),
  insecure: z.boolean(),
  state: z.enum(['pulling', 'interrupted', 'failed']),
  startedAt: z.string(),
  updatedAt: z.string(),
  layers: z.array(z.object({ digest: z.string(), size: z.number().int().nonnegative() })),
  error: z.string().optional(),
});

/** One recorded pull. */
export type PullRecord = z.infer<typeof recordSchema>;

/** The records directory. */
export class PullRecords {
  readonly dir: string;
  readonly #log: Logger;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.#log = log;
  }

  /** Create the directory and remove temp files left by a crashed write. */
  async init(): Promise<void> {
    await prepareDir(this.dir);
  }

  /** Write (create or replace) the record of `record.model`. */
  async put(name: ModelName, record: PullRecord): Promise<void> {
    await writeFileAtomic(this.#path(name), JSON.stringify(record));
  }

  /** The record of `name`, if any. */
  async get(name: ModelName): Promise<PullRecord | undefined> {
    return this.#read(this.#path(name));
  }

  /** Remove the record of `name` (absent is fine). */
  async remove(name: ModelName): Promise<void> {
    await rm(this.#path(name), { force: true });
  }

  /** Every readable record, oldest first. */
  async list(): Promise<PullRecord[]> {
    const out: PullRecord[] = [];
    for (const file of await readdirOrEmpty(this.dir)) {
      if (!file.endsWith('.json') || isTempName(file)) continue;
      const record = await this.#read(join(this.dir, file));
      if (record !== undefined) out.push(record);
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.model.localeCompare(b.model));
  }

  async #read(path: string): Promise<PullRecord | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      return recordSchema.parse(JSON.parse(text));
    } catch (err) {
      this.#log.warn({ path, err }, 'skipping an unreadable pull record');
      return undefined;
    }
  }

  #path(name: ModelName): string {
    return join(this.dir, `${createHash('sha256').update(name.key).digest('hex').slice(0, 32)}.json`);
  }
}
