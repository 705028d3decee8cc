/** Whether a directory looks like a Hugging Face model folder (what `FROM ./folder` converts). */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** True when `dir` is a directory holding a `config.json` file. */
export async function isHfModelFolder(dir: string): Promise<boolean> {
  const [d, c] = await Promise.all([
    stat(dir).catch(() => undefined), // absent: not a folder
    stat(join(dir, 'config.json')).catch(() => undefined), // absent: not a model folder
  ]);
  return d?.isDirectory() === true && c?.isFile() === true;
}
