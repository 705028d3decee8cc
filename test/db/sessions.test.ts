import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from './use-database.js';

describe.each(testDatabases)('sessions on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repository', () => {
    const db = useDatabase(tdb);
    const newUser = () => db().users.create({ name: unique('u'), role: 'user', passwordHash: 'h' });

    it('creates, reads, touches and deletes a session', async () => {
      const user = await newUser();
      const expiresAt = new Date('2099-01-02T03:04:05.678Z');
      const s = await db().sessions.create({ id: unique('hash'), userId: user.id, expiresAt });
      expect(s).toMatchObject({ userId: user.id, expiresAt });
      expect(s.lastSeenAt.getTime()).toBe(s.createdAt.getTime());
      expect(await db().sessions.get(s.id)).toEqual(s);

      const seen = new Date('2098-05-05T05:05:05.005Z');
      await db().sessions.touch(s.id, seen);
      expect((await db().sessions.get(s.id))?.lastSeenAt).toEqual(seen);

      expect(await db().sessions.delete(s.id)).toBe(true);
      expect(await db().sessions.delete(s.id)).toBe(false);
      expect(await db().sessions.get(s.id)).toBeUndefined();
    });

    it('touching a missing session is a no-op', async () => {
      await expect(db().sessions.touch('missing', new Date())).resolves.toBeUndefined();
    });

    it('rejects a session for a user that does not exist with RESOURCE_NOT_FOUND', async () => {
      const err: unknown = await db()
        .sessions.create({ id: unique('s'), userId: 'no-such-user', expiresAt: new Date() })
        .catch((e: unknown) => e);
      expect(isAppError(err, 'RESOURCE_NOT_FOUND')).toBe(true);
    });

    it('rejects a duplicate id with CONFLICT', async () => {
      const user = await newUser();
      const id = unique('s');
      await db().sessions.create({ id, userId: user.id, expiresAt: new Date() });
      await expect(
        db().sessions.create({ id, userId: user.id, expiresAt: new Date() }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    });

    it('deletes all sessions of one user', async () => {
      const [a, b] = [await newUser(), await newUser()];
      const expiresAt = new Date(Date.now() + 60_000);
      for (const user of [a, a, b])
        await db().sessions.create({ id: unique('s'), userId: user.id, expiresAt });
      expect(await db().sessions.deleteForUser(a.id)).toBe(2);
      expect(await db().sessions.deleteForUser(a.id)).toBe(0);
      expect(await db().sessions.deleteForUser(b.id)).toBe(1);
    });

    it('deletes sessions that expired at or before now, and only those', async () => {
      const user = await newUser();
      const now = new Date('2030-06-01T00:00:00.000Z');
      const at = (ms: number) => new Date(now.getTime() + ms);
      const make = (expiresAt: Date) => db().sessions.create({ id: unique('s'), userId: user.id, expiresAt });
      const expired = [await make(at(-86_400_000)), await make(at(-1)), await make(at(0))];
      const live = [await make(at(1)), await make(at(86_400_000))];
      expect(await db().sessions.deleteExpired(now)).toBeGreaterThanOrEqual(3);
      for (const s of expired) expect(await db().sessions.get(s.id)).toBeUndefined();
      for (const s of live) expect(await db().sessions.get(s.id)).toEqual(s);
    });
  });
});
