/**
 * Dataset files: each uploaded dataset is kept, already parsed, as `<dir>/<id>.jsonl` (one training input per
 * line), written atomically so a crash never leaves half a dataset behind a database row.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, type TrainingInput } from '../core/index.js';
import { writeFileAtomic } from '../store/index.js';

export class DatasetFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('INVALID_REQUEST', `invalid dataset id '${id}'`);
    return join(this.dir, `${id}.jsonl`);
  }

  /** Writes the parsed examples; returns their size and digest. */
  async write(id: string, examples: readonly TrainingInput[]): Promise<{ bytes: number; sha256: string }> {
    await mkdir(this.dir, { recursive: true });
    const text = examples.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const data = Buffer.from(text, 'utf8');
    await writeFileAtomic(this.#path(id), data);
    return { bytes: data.length, sha256: `sha256:${createHash('sha256').update(data).digest('hex')}` };
  }

  /** The examples of dataset `id`; `STORE_CORRUPT` when the file is missing or unreadable. */
  async read(id: string): Promise<TrainingInput[]> {
    let text: string;
    try {
      text = await readFile(this.#path(id), 'utf8');
    } catch (err) {
      throw new AppError(
        'STORE_CORRUPT',
        `the file of dataset ${id} cannot be read: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as TrainingInput;
        } catch (err) {
          throw new AppError('STORE_CORRUPT', `dataset ${id} is damaged at line ${i + 1}`, { cause: err });
        }
      });
  }

  async remove(id: string): Promise<void> {
    await rm(this.#path(id), { force: true });
  }
}
