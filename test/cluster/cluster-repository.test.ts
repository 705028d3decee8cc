/**
 * Cluster membership rows on both dialects. Heartbeat times and readiness come from the database's clock: a node
 * whose own clock is wrong (`vi.setSystemTime` far in the past or future) is judged exactly the same.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import type { NodeReport } from '../../src/db/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from '../db/use-database.js';

const report = (queueDepth = 0): NodeReport => ({
  loadedModels: [
    {
      name: 'tiny:latest',
      modelKey: 'sha256:abc',
      sizeBytes: 1000,
      vramBytes: 0,
      activeRequests: 1,
      expiresAt: null,
    },
  ],
  storedModels: ['tiny:latest'],
  queueDepth,
  inFlight: 1,
  freeMemoryBytes: 8e9,
  freeVramBytes: null,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabases)('cluster repository on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('membership', () => {
    const db = useDatabase(tdb);
    const node = () => {
      const id = unique('node');
      return { id, name: `${id}-name`, url: `http://${id}:11434`, report: report() };
    };
    const listed = async (id: string, staleAfterMs = 60_000) =>
      (await db().cluster.list({ staleAfterMs })).find((n) => n.id === id);

    afterEach(() => {
      vi.useRealTimers();
    });

    it('registers, re-registers with the next epoch, and refuses a name another node holds', async () => {
      const n = node();
      const first = await db().cluster.register(n);
      expect(first).toMatchObject({ id: n.id, name: n.name, url: n.url, state: 'ready', epoch: 1 });
      expect(first.report).toEqual(n.report);
      await db().cluster.setState(n.id, 'draining');
      const again = await db().cluster.register({ ...n, url: 'http://moved:11434' });
      expect(again).toMatchObject({ state: 'ready', epoch: 2, url: 'http://moved:11434' });

      const other = await db()
        .cluster.register({ ...node(), name: n.name })
        .catch((e: unknown) => e);
      expect(isAppError(other, 'CONFLICT')).toBe(true);
      // A node that left yields its name to a new one (a reinstalled machine with a new id).
      await db().cluster.setState(n.id, 'left');
      const successor = await db().cluster.register({ ...node(), name: n.name });
      expect(successor.name).toBe(n.name);
      expect(await listed(n.id)).toBeUndefined();
    });

    it('heartbeats store the report; unknown and left nodes are refused so their agent registers again', async () => {
      const n = node();
      await db().cluster.register(n);
      expect(await db().cluster.heartbeat(n.id, report(7))).toBe(true);
      expect((await listed(n.id))?.report.queueDepth).toBe(7);
      expect(await db().cluster.heartbeat(unique('nobody'), report())).toBe(false);
      expect(await db().cluster.setState(n.id, 'left')).toBe(true);
      expect(await db().cluster.heartbeat(n.id, report())).toBe(false);
      expect(await db().cluster.remove(n.id)).toBe(true);
      expect(await db().cluster.remove(n.id)).toBe(false);
      expect(await db().cluster.setState(n.id, 'ready')).toBe(false);
    });

    it('judges readiness in SQL against the database clock, whatever the node believes the time is', async () => {
      const realNow = Date.now();
      const n = node();
      const fresh = node();
      // The node's clock is 20 years behind while it registers: stored times are still the database's.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2005-01-01T00:00:00Z'));
      const record = await db().cluster.register(n);
      expect(Math.abs(record.lastHeartbeat.getTime() - realNow)).toBeLessThan(60_000);
      expect(Math.abs(record.joinedAt.getTime() - realNow)).toBeLessThan(60_000);
      vi.useRealTimers();

      await sleep(120);
      await db().cluster.register(fresh);
      for (const when of [undefined, '1990-06-01T00:00:00Z', '2090-06-01T00:00:00Z']) {
        if (when !== undefined) {
          vi.useFakeTimers({ toFake: ['Date'] });
          vi.setSystemTime(new Date(when));
        }
        const stale = await listed(n.id, 80);
        expect(stale?.ready).toBe(false);
        expect(stale?.ageMs).toBeGreaterThanOrEqual(100);
        expect(stale?.ageMs).toBeLessThan(30_000);
        expect((await listed(n.id, 60_000))?.ready).toBe(true);
        expect((await listed(fresh.id, 60_000))?.ready).toBe(true);
        vi.useRealTimers();
      }

      // A heartbeat makes it fresh again; a draining node is never ready, however fresh.
      expect(await db().cluster.heartbeat(n.id, report(1))).toBe(true);
      expect((await listed(n.id, 80))?.ready).toBe(true);
      await db().cluster.setState(n.id, 'draining');
      expect((await listed(n.id, 60_000))?.ready).toBe(false);
    });

    it('refuses a fenced write whose epoch is not the current leader epoch, writing nothing', async () => {
      const n = node();
      await db().cluster.register(n);
      const current = (await db().cluster.leader())?.epoch ?? 0;
      const refused = await db()
        .cluster.fenced(current + 1, (tx) => tx.setState(n.id, 'draining'))
        .catch((e: unknown) => e);
      expect(isAppError(refused, 'CONFLICT')).toBe(true);
      expect((refused as Error).message).toBe(`stale leader: epoch ${current + 1} is not current`);
      expect((await listed(n.id))?.state).toBe('ready');
    });
  });
});
