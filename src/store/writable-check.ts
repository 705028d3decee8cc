/**
 * The "store writable" readiness check: write, fsync and delete a small temp file in the models directory, as a
 * pull or create would. It catches a read-only or full filesystem and a vanished directory before requests do.
 * The name carries {@link TEMP_PREFIX}, so a file left by a crash mid-check is removed like any other temp file.
 */
import { open, rm } from 'node:fs/promises';
import type { ReadinessCheck } from '../core/index.js';
import { tempPathIn } from './atomic-file.js';

/** A readiness check named `store` over the directory `dir`. */
export function storeWritableCheck(dir: string): ReadinessCheck {
  return {
    name: 'store',
    async check() {
      const path = tempPathIn(dir, 'readyz');
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile('ok\n');
        await handle.sync();
      } finally {
        await handle.close();
        await rm(path, { force: true });
      }
    },
  };
}
