/** `corral serve` refuses bad configuration (exit 2, every problem listed) and a taken address (exit 1). */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('corral serve', () => {
  it('reports every invalid setting at once, exits 2 and starts nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'corral-bad-config-'));
    const r = await runCorral(['serve'], {
      CORRAL_HOME: home,
      CORRAL_NUM_PARALLEL: 'lots',
      CORRAL_KEEP_ALIVE: 'a while',
      CORRAL_LOG_LEVEL: 'loud',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CORRAL_NUM_PARALLEL/);
    expect(r.stderr).toMatch(/CORRAL_KEEP_ALIVE/);
    expect(r.stderr).toMatch(/CORRAL_LOG_LEVEL/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('says clearly when the address is taken', async () => {
    const home = mkdtempSync(join(tmpdir(), 'corral-taken-'));
    const r = await runCorral(['serve'], {
      CORRAL_HOME: home,
      CORRAL_HOST: s.env.CORRAL_HOST!,
      CORRAL_LOG_LEVEL: 'silent',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: it is already in use/);
  });
});
