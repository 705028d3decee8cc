/**
 * How to start the runner child: `runner-child.js` beside this file in the built `dist/engine/`, or
 * `runner-child.ts` beside it in the sources (vitest, tsx), which Node runs through the tsx loader.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The child's module path and the `execArgv` to fork it with. */
export interface RunnerEntry {
  modulePath: string;
  execArgv: string[];
}

/** The entry beside `fromUrl` (this module's URL by default), `.ts` sources included. */
export function runnerEntry(fromUrl: string = import.meta.url): RunnerEntry {
  const fromTs = fromUrl.endsWith('.ts');
  const modulePath = fileURLToPath(new URL(fromTs ? './runner-child.ts' : './runner-child.js', fromUrl));
  if (!existsSync(modulePath)) throw new Error(`runner entry not found: ${modulePath}`);
  return { modulePath, execArgv: entryExecArgv(modulePath) };
}

/**
 * `--import tsx` for TypeScript entries (kept off for built JavaScript, where it would only cost start time). tsx is
 * resolved from here, not from the working directory, so a server started elsewhere still finds it.
 */
export function entryExecArgv(modulePath: string): string[] {
  if (!modulePath.endsWith('.ts')) return [];
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(tsx).href];
}
