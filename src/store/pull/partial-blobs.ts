/**
 * Partial downloads on disk, under `<models>/pulls/blobs/`: the data file `sha256-<hex>.partial` (written at
 * part offsets, sparse until complete) and beside it the journal `sha256-<hex>.journal.json`, which records
 * how many bytes of each part are written. The journal is only ever written after the data it counts was
 * fsynced, and atomically, so after a crash or SIGKILL it never claims bytes the file does not hold: a resumed
 * download continues from it. A data file without a readable journal is discarded.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError, type Logger } from '../../core/index.js';
import { normalizeDigest } from '../../lib/index.js';
import { prepareDir, writeFileAtomic } from '../atomic-file.js';
import { isNotFound, readdirOrEmpty } from '../fs-util.js';
import { completedBytes, type Part, partsCover } from './part-plan.js';

const journalSchema = z.object({
  version: z.literal(1),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  parts: z.array(
    z.object({
      offset: z.number().int().nonnegative(),
      size: z.number().int().positive(),
      completed: z.number().int().nonnegative(),
    }),
  ),
});

/** What a journal records. */
export interface BlobJournal {
  digest: string;
  size: number;
  parts: Part[];
}

const JOURNAL = '.journal.json';
const PARTIAL = '.partial';

/** The directory of partial downloads. */
export class PartialBlobs {
  /** The `pulls/blobs` directory. */
  readonly dir: string;
  readonly #log: Logger;

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.#log = log;
  }

  /** Create the directory and remove temp files a crashed journal write left. */
  async init(): Promise<void> {
    await prepareDir(this.dir);
  }

  /** Path of the data file. */
  dataPath(digest: string): string {
    return join(this.dir, `${fileBase(digest)}${PARTIAL}`);
  }

  /** The journal of `digest`, or `undefined` when there is none or it is unusable (then it is logged). */
  async read(digest: string, size?: number): Promise<BlobJournal | undefined> {
    let text: string;
    try {
      text = await readFile(this.#journalPath(digest), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      const j = journalSchema.parse(JSON.parse(text));
      const fits =
        j.digest === digest && partsCover(j.parts, j.size) && (size === undefined || j.size === size);
      if (fits) return { digest: j.digest, size: j.size, parts: j.parts };
      this.#log.warn({ digest, size }, 'discarding a partial download that does not match its blob');
    } catch (err) {
      this.#log.warn({ digest, err }, 'discarding an unreadable download journal');
    }
    return undefined;
  }

  /** Record progress (atomically). The caller fsynced the data first. */
  async write(journal: BlobJournal): Promise<void> {
    const { digest, size, parts } = journal;
    await writeFileAtomic(this.#journalPath(digest), JSON.stringify({ version: 1, digest, size, parts }));
  }

  /** Bytes a resumed download of `digest` would not fetch again (0 without a journal). */
  async completed(digest: string): Promise<number> {
    const journal = await this.read(digest);
    return journal === undefined ? 0 : completedBytes(journal.parts);
  }

  /** Remove the data file and the journal (the journal first: data without a journal is never trusted). */
  async remove(digest: string): Promise<void> {
    await rm(this.#journalPath(digest), { force: true });
    await rm(this.dataPath(digest), { force: true });
  }

  /** Digests that have a data file or a journal here. */
  async list(): Promise<string[]> {
    const out = new Set<string>();
    for (const name of await readdirOrEmpty(this.dir)) {
      const base = name.endsWith(JOURNAL) ? name.slice(0, -JOURNAL.length) : name.replace(/\.partial$/, '');
      const digest = normalizeDigest(base);
      if (digest !== undefined) out.add(digest);
    }
    return [...out];
  }

  #journalPath(digest: string): string {
    return join(this.dir, `${fileBase(digest)}${JOURNAL}`);
  }
}

function fileBase(digest: string): string {
  const d = normalizeDigest(digest);
  if (d === undefined) throw new AppError('INVALID_DIGEST', `invalid digest ${JSON.stringify(digest)}`);
  return d.replace('sha256:', 'sha256-');
}
