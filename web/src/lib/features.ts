/**
 * What the server this console talks to can back (`GET /api/console/features`): the same build is served by
 * `corral serve` and by `corral gateway`, whose APIs differ, so the navigation shows only the pages that work
 * there and pages hide actions the server lacks (managing models through a gateway). Asked once at start.
 */
import type { ConsoleFeatures } from '../../../src/api/index.js';
import { writable } from 'svelte/store';
import { client, errorText } from './api.js';

/** `undefined` until the first answer. */
export const features = writable<ConsoleFeatures | undefined>(undefined);
/** Why the question failed, shown instead of the app. */
export const featuresError = writable<string | undefined>(undefined);

/** Ask the server what it can back. */
export async function refreshFeatures(): Promise<void> {
  try {
    features.set(await client.consoleFeatures());
    featuresError.set(undefined);
  } catch (err) {
    featuresError.set(errorText(err));
  }
}

/** Whether the server backs the console page at `path` (nothing while unknown). */
export function serves(f: ConsoleFeatures | undefined, path: string): boolean {
  return f !== undefined && (f.pages as readonly string[]).includes(path);
}

/** Whether models can be created, copied, deleted, pulled, loaded and unloaded here (not through a gateway). */
export function managesModels(f: ConsoleFeatures | undefined): boolean {
  return f?.model_management === true;
}
