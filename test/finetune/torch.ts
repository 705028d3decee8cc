/**
 * Whether this machine can run the fine-tuning trainer (Python 3 with PyTorch). CI installs Debian's
 * `python3-torch` and sets CORRAL_TEST_REQUIRE_TORCH=1, so there a missing trainer fails instead of skipping.
 */
import { findTrainerPython } from '../../src/finetune/trainer-process.js';

export const trainerPython: { python: string } | { reason: string } = await findTrainerPython().then(
  (found) => ({ python: found.python }),
  (err: unknown) => ({ reason: (err as Error).message }),
);

export const torchAvailable = 'python' in trainerPython;

/** Call at the top of a test file: prints why its tests are skipped, or throws when CI requires them. */
export function requireTorch(what: string): void {
  if ('python' in trainerPython) return;
  if (process.env.CORRAL_TEST_REQUIRE_TORCH === '1')
    throw new Error(`CORRAL_TEST_REQUIRE_TORCH=1 but ${trainerPython.reason}`);
  console.log(`${what} skipped: ${trainerPython.reason}`);
}
