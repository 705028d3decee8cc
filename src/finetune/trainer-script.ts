/**
 * Where `corral_trainer.py` is: beside this module in the sources (`src/finetune/python/`, under tsx and vitest),
 * or, from the built `dist/finetune/`, back in the sources, since `tsc` copies no `.py` files into `dist/`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/index.js';

const CANDIDATES = ['./python/corral_trainer.py', '../../src/finetune/python/corral_trainer.py'];

/** Absolute path of the trainer script, as seen from `fromUrl` (this module by default). */
export function trainerScriptPath(fromUrl: string = import.meta.url): string {
  const paths = CANDIDATES.map((relative) => fileURLToPath(new URL(relative, fromUrl)));
  const found = paths.find((path) => existsSync(path));
  if (found === undefined)
    throw new AppError(
      'TRAINER_UNAVAILABLE',
      `the trainer script corral_trainer.py is missing (looked for ${paths.join(' and ')})`,
    );
  return found;
}
