import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from './config/index.js';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('reports a log file that cannot be opened once on stderr instead of crashing the process', async () => {
    const home = mkdtempSync(join(tmpdir(), 'corral-logger-'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const log = createLogger(loadConfig({ env: { CORRAL_HOME: home, CORRAL_LOG_LEVEL: 'info' } }), {
        stderr: false,
      });
      rmSync(home, { recursive: true, force: true }); // before the asynchronous open happens
      log.info('one');
      log.info('two');
      await vi.waitFor(() => expect(stderr).toHaveBeenCalled());
      await new Promise((r) => setTimeout(r, 50));
      const lines = stderr.mock.calls
        .map((c) => String(c[0]))
        .filter((l) => l.includes('cannot write the log file'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(join(home, 'logs', 'server.log'));
    } finally {
      stderr.mockRestore();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
