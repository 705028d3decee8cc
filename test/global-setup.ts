/**
 * Vitest global setup: tests must never touch the developer's real ~/.corral, so CORRAL_HOME points into a
 * temporary directory for the whole run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const home = mkdtempSync(join(tmpdir(), 'corral-test-home-'));
  process.env.CORRAL_HOME = home;
  return () => rmSync(home, { recursive: true, force: true });
}
