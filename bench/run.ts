/**
 * `npm run bench`: runs every benchmark under bench/ one after another (each prints its table and writes
 * bench/results/<name>.json). Benchmarks share the machine's cores, so they never run in parallel.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')));

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
process.exitCode = failed > 0 ? 1 : 0;
