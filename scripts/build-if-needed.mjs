// Runs `npm run build` when dist/ is missing or older than its sources (used by `npm start`): the server
// (dist/cli/main.js from src/) and the web console (dist/web/index.html from web/, src/api/ and vite.config.ts).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

const stale = (built, sources) =>
  !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest));

if (
  stale('dist/cli/main.js', ['src']) ||
  stale('dist/web/index.html', ['web', 'src/api', 'src/lib', 'vite.config.ts'])
) {
  execSync('npm run build', { stdio: 'inherit' });
}
