/**
 * The node agent: registers, heartbeats with fresh reports, registers again when its row disappears, marks itself
 * `left` on close, and rides out a PostgreSQL outage (a private server it can pause) without being restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeAgent, createNodeReporter, type NodeReport } from '../../src/cluster/index.js';
import { silentLogger, type Logger } from '../../src/core/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { findPostgresBinaries, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from '../db/use-database.js';
import { nodeReport } from '../helpers/listed-node.js';

/** A logger that keeps its messages, to count warnings. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const at =
    (level: string) =>
    (_obj: object, msg: string): void => {
      lines.push({ level, msg });
    };
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return Object.assign(log, { lines });
}

/** Reports whose queue depth counts the heartbeats, so each one is recognisable. */
function countingReport(): { report: () => Promise<NodeReport>; calls: () => number } {
  let n = 0;
  return {
    calls: () => n,
    report: () =>
      Promise.resolve(nodeReport({ storedModels: ['tiny:latest'], queueDepth: ++n, freeMemoryBytes: 1e9 })),
  };
}

const node = () => {
  const id = unique('node');
  return { id, name: `${id}-name`, url: `http://${id}:11434` };
};

async function find(db: Database, id: string) {
  return (await db.cluster.list({ staleAfterMs: 60_000 })).find((n) => n.id === id);
}

describe.each(testDatabases)('node agent on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('membership', () => {
    const db = useDatabase(tdb);

    it('registers, heartbeats its reports, registers again after removal, and leaves on close', async () => {
      const n = node();
      const counter = countingReport();
      const agent = new NodeAgent({
        cluster: db().cluster,
        node: n,
        report: counter.report,
        log: silentLogger,
        intervalMs: 20,
      });
      await agent.start();
      expect(agent.registered).toBe(true);
      expect(agent.epoch).toBe(1);
      expect(await find(db(), n.id)).toMatchObject({ state: 'ready', ready: true, url: n.url });

      await expect
        .poll(async () => (await find(db(), n.id))?.report.queueDepth, { timeout: 5000 })
        .toBeGreaterThan(3);

      // An operator removes the node: the next heartbeat is refused and the agent registers again.
      expect(await db().cluster.remove(n.id)).toBe(true);
      await expect.poll(async () => (await find(db(), n.id))?.state, { timeout: 5000 }).toBe('ready');
      // Marked left by someone else: registering again bumps the epoch.
      await db().cluster.setState(n.id, 'left');
      await expect.poll(() => agent.epoch, { timeout: 5000 }).toBe(2);

      await Promise.all([agent.close(), agent.close()]);
      const calls = counter.calls();
      expect((await find(db(), n.id))?.state).toBe('left');
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(counter.calls()).toBe(calls); // no heartbeat after close
    });

    it('heartbeats at once when nudged; nudges coalesce, and one during a beat brings another beat', async () => {
      const n = node();
      const counter = countingReport();
      const agent: NodeAgent = new NodeAgent({
        cluster: db().cluster,
        node: n,
        // The third report nudges while its own heartbeat runs (a model changed meanwhile).
        report: async () => {
          const r = await counter.report();
          if (r.queueDepth === 3) void agent.nudge();
          return r;
        },
        log: silentLogger,
        intervalMs: 60_000,
      });
      await agent.start();
      expect(counter.calls()).toBe(1);
      await agent.nudge(); // resolves once that heartbeat is in the database
      expect((await find(db(), n.id))?.report.queueDepth).toBe(2);
      void agent.nudge();
      void agent.nudge(); // before the beat starts: the two make one
      await expect.poll(async () => (await find(db(), n.id))?.report.queueDepth, { timeout: 5000 }).toBe(4);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(counter.calls()).toBe(4);
      await agent.close();
    });

    it('refuses to start with a name another node holds', async () => {
      const taken = node();
      await db().cluster.register({ ...taken, report: await countingReport().report() });
      const agent = new NodeAgent({
        cluster: db().cluster,
        node: { ...node(), name: taken.name },
        report: countingReport().report,
        log: silentLogger,
      });
      await expect(agent.start()).rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });
});

describe('node report', () => {
  it('is built from the loaded models, the queue, the store and free memory', async () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const report = createNodeReporter({
      inference: {
        ps: () => [
          {
            modelKey: 'sha256:abc',
            displayName: 'tiny:latest',
            modelPath: '/m',
            sizeBytes: 100,
            vramBytes: 40,
            contextSize: 2048,
            threads: 4,
            expiresAt,
            activeRequests: 2,
            pid: 1,
          },
        ],
        requests: { list: () => [{}, {}, {}] } as never,
      },
      scheduler: { waiting: 1 },
      store: {
        list: () =>
          Promise.resolve([{ name: { display: 'tiny:latest' } }, { name: { display: 'big:7b' } }] as never),
      },
      memory: { available: () => Promise.resolve({ freeBytes: 5e9, totalBytes: 8e9 }) },
    });
    expect(await report()).toEqual({
      loadedModels: [
        {
          name: 'tiny:latest',
          modelKey: 'sha256:abc',
          sizeBytes: 100,
          vramBytes: 40,
          activeRequests: 2,
          expiresAt: expiresAt.toISOString(),
        },
      ],
      storedModels: ['tiny:latest', 'big:7b'],
      queueDepth: 1,
      inFlight: 3,
      freeMemoryBytes: 5e9,
      freeVramBytes: null,
    });
  });
});

const binaries = findPostgresBinaries();
// As in test/global-setup.ts: CORRAL_TEST_REQUIRE_POSTGRES=1 (CI) turns a missing PostgreSQL into a failure.
const requirePostgres = process.env.CORRAL_TEST_REQUIRE_POSTGRES === '1';
const skipOutage = 'reason' in binaries && !requirePostgres;
if (skipOutage) console.log(`node agent outage test skipped: ${binaries.reason}`);

describe.skipIf(skipOutage)('node agent through a PostgreSQL outage', () => {
  let server: TestPostgres;
  let db: Database;

  beforeAll(async () => {
    if ('reason' in binaries) throw new Error(`CORRAL_TEST_REQUIRE_POSTGRES=1 but ${binaries.reason}`);
    server = await startPostgres(binaries.bindir);
    db = await openDatabase({ url: server.url, log: silentLogger });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  it('logs the outage once, keeps running, and heartbeats again when the database is back', async () => {
    const n = node();
    const counter = countingReport();
    const log = recordingLogger();
    const agent = new NodeAgent({
      cluster: db.cluster,
      node: n,
      report: counter.report,
      log,
      intervalMs: 25,
    });
    try {
      await agent.start();
      await expect
        .poll(async () => (await find(db, n.id))?.report.queueDepth ?? 0, { timeout: 10_000 })
        .toBeGreaterThan(2);

      server.pause();
      const before = counter.calls();
      await expect.poll(() => counter.calls(), { timeout: 5000 }).toBeGreaterThan(before + 5); // ticks go on
      const warnings = log.lines.filter((l) => l.level === 'warn' && l.msg === 'cluster heartbeat failed');
      expect(warnings).toHaveLength(1);

      server.resume();
      await expect
        .poll(async () => (await find(db, n.id).catch(() => undefined))?.report.queueDepth ?? 0, {
          timeout: 20_000,
          interval: 50,
        })
        .toBeGreaterThan(counter.calls() - 3);
      expect(log.lines.some((l) => l.msg === 'cluster heartbeat restored')).toBe(true);
      expect(agent.epoch).toBe(1); // the same registration carried on: no restart, no re-register
      expect((await find(db, n.id))?.ready).toBe(true);
    } finally {
      await agent.close();
    }
    expect((await find(db, n.id))?.state).toBe('left');
  });
});
