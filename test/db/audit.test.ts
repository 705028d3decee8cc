import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditQuery } from '../../src/db/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { useDatabase } from './use-database.js';

type NewEvent = Omit<AuditEvent, 'id'>;
const t = (minute: number) => new Date(Date.UTC(2030, 0, 1, 0, minute));

const event = (change: Partial<NewEvent>): NewEvent => ({
  at: t(0),
  actorType: 'user',
  actorId: 'u-1',
  actorName: 'alice',
  action: 'model.pull',
  target: 'llama3.2:1b',
  outcome: 'success',
  status: 200,
  ip: '127.0.0.1',
  details: null,
  ...change,
});

// Appended in this order: ids 1..6 relative to the first.
const fixtures: NewEvent[] = [
  event({ at: t(1), action: 'model.pull' }),
  event({
    at: t(2),
    action: 'model.delete',
    outcome: 'denied',
    status: 403,
    actorName: 'bob',
    actorId: 'u-2',
  }),
  event({ at: t(3), action: 'user.create', actorType: 'key', actorId: 'ck-1', actorName: null }),
  event({ at: t(4), action: 'modelx.pull', outcome: 'failure', status: 500 }),
  event({ at: t(5), action: 'auth.login', actorType: 'anonymous', actorId: null, actorName: null, ip: null }),
  event({ at: t(6), action: 'model.pull', details: { digest: 'sha256:00', bytes: 12, nested: [1, 'x'] } }),
];

describe.each(testDatabases)('audit log on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repository', () => {
    const db = useDatabase(tdb);
    let appended: AuditEvent[] = [];

    beforeAll(async () => {
      appended = [];
      for (const e of fixtures) appended.push(await db().audit.append(e));
    });

    it('appends with strictly increasing integer ids and reads every field back', async () => {
      for (const [i, e] of appended.entries()) {
        expect(e).toEqual({ ...fixtures[i], id: expect.any(Number) });
        if (i > 0) expect(e.id).toBeGreaterThan(appended[i - 1]!.id);
      }
      expect(await db().audit.query()).toEqual([...appended].reverse());
    });

    const ids = (positions: number[]) => positions.map((p) => appended[p - 1]!.id);
    it.each<{ label: string; query: () => AuditQuery; expected: number[] }>([
      { label: 'since (inclusive)', query: () => ({ since: t(5) }), expected: [6, 5] },
      { label: 'until (exclusive)', query: () => ({ until: t(3) }), expected: [2, 1] },
      { label: 'since + until', query: () => ({ since: t(2), until: t(4) }), expected: [3, 2] },
      { label: 'actor by name', query: () => ({ actor: 'bob' }), expected: [2] },
      { label: 'actor by id', query: () => ({ actor: 'ck-1' }), expected: [3] },
      { label: 'exact action', query: () => ({ action: 'model.pull' }), expected: [6, 1] },
      { label: 'action prefix', query: () => ({ action: 'model.' }), expected: [6, 2, 1] },
      { label: 'prefix is case-sensitive', query: () => ({ action: 'MODEL.' }), expected: [] },
      { label: 'prefix has no wildcards', query: () => ({ action: 'mode_.' }), expected: [] },
      { label: 'outcome', query: () => ({ outcome: 'denied' }), expected: [2] },
      { label: 'cursor', query: () => ({ before: appended[3]!.id }), expected: [3, 2, 1] },
      { label: 'limit', query: () => ({ limit: 2 }), expected: [6, 5] },
      { label: 'cursor + limit', query: () => ({ before: appended[4]!.id, limit: 2 }), expected: [4, 3] },
      { label: 'limit below 1 means 1', query: () => ({ limit: 0 }), expected: [6] },
      {
        label: 'combined',
        query: () => ({ actor: 'alice', action: 'model.', outcome: 'success', since: t(2) }),
        expected: [6],
      },
    ])('filters: $label', async ({ query, expected }) => {
      expect((await db().audit.query(query())).map((e) => e.id)).toEqual(ids(expected));
    });

    it('pages with the id cursor until the log is exhausted', async () => {
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await db().audit.query({ before, limit: 4 });
        if (page.length === 0) break;
        seen.push(...page.map((e) => e.id));
        before = page.at(-1)!.id;
      }
      expect(seen).toEqual(ids([6, 5, 4, 3, 2, 1]));
    });

    it('defaults to 100 events and caps the limit at 1000', async () => {
      for (let i = 0; i < 1001; i++) await db().audit.append(event({ at: t(10), action: 'bulk.insert' }));
      expect(await db().audit.query({ action: 'bulk.insert' })).toHaveLength(100);
      expect(await db().audit.query({ action: 'bulk.', limit: 5000 })).toHaveLength(1000);
    });
  });
});
