/**
 * A node's stable cluster id, kept in `$CORRAL_HOME/node-id` so that a restarted node registers again under the
 * same id (its row, epoch + 1) instead of appearing as a second node.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads the id stored in `home`, or creates and stores a new one. */
export async function loadNodeId(home: string): Promise<string> {
  const file = join(home, 'node-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (id !== '') return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  // `wx`: two processes sharing one home must not both believe their own id; the loser reads the winner's.
  try {
    await writeFile(file, `${id}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  }
  return id;
}
