// Runs `npm run build` when dist/ is missing or older than any file under src/ (used by `npm start`).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = 'dist/cli/main.js';
if (!existsSync(built) || statSync(built).mtimeMs < newest('src')) {
  execSync('npm run build', { stdio: 'inherit' });
}
