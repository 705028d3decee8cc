import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import type { ApiKeyRecord } from '../../src/db/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { nextMillisecond, unique, useDatabase } from './use-database.js';

type NewKey = Omit<ApiKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'>;

const newKey = (change: Partial<NewKey> = {}): NewKey => ({
  id: unique('ck'),
  name: unique('key'),
  userId: null,
  role: 'user',
  secretHash: 'sha256:abc',
  expiresAt: null,
  rateLimitPerMinute: null,
  maxConcurrent: null,
  ...change,
});

describe.each(testDatabases)('API keys on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repository', () => {
    const db = useDatabase(tdb);

    it.each([
      { label: 'minimal, no owner', change: {} },
      {
        label: 'every field',
        change: {
          role: 'operator' as const,
          expiresAt: new Date('2031-02-03T04:05:06.789Z'),
          rateLimitPerMinute: 120,
          maxConcurrent: 4,
        },
      },
    ])('creates and reads back a key ($label)', async ({ change }) => {
      const k = newKey(change);
      const created = await db().apiKeys.create(k);
      expect(created).toEqual({ ...k, createdAt: expect.any(Date), lastUsedAt: null, revokedAt: null });
      expect(await db().apiKeys.get(k.id)).toEqual(created);
    });

    it('stores the owning user', async () => {
      const user = await db().users.create({ name: unique('owner'), role: 'user', passwordHash: null });
      const created = await db().apiKeys.create(newKey({ userId: user.id }));
      expect((await db().apiKeys.get(created.id))?.userId).toBe(user.id);
    });

    it('returns undefined / false for a missing key', async () => {
      expect(await db().apiKeys.get('missing')).toBeUndefined();
      expect(await db().apiKeys.revoke('missing', new Date())).toBe(false);
      await expect(db().apiKeys.touch('missing', new Date())).resolves.toBeUndefined();
    });

    it('rejects a key for a user that does not exist with RESOURCE_NOT_FOUND', async () => {
      const err: unknown = await db()
        .apiKeys.create(newKey({ userId: 'no-such-user' }))
        .catch((e: unknown) => e);
      expect(isAppError(err, 'RESOURCE_NOT_FOUND')).toBe(true);
    });

    it('keeps names unique per owner, owner-less keys included', async () => {
      const [a, b] = [
        await db().users.create({ name: unique('a'), role: 'user', passwordHash: null }),
        await db().users.create({ name: unique('b'), role: 'user', passwordHash: null }),
      ];
      const name = unique('laptop');
      await db().apiKeys.create(newKey({ name, userId: a.id }));
      await db().apiKeys.create(newKey({ name, userId: b.id }));
      await db().apiKeys.create(newKey({ name, userId: null }));
      for (const userId of [a.id, null]) {
        const err: unknown = await db()
          .apiKeys.create(newKey({ name, userId }))
          .catch((e: unknown) => e);
        expect(isAppError(err, 'CONFLICT')).toBe(true);
        expect((err as Error).message).toContain(name);
      }
    });

    it('rejects a duplicate id with CONFLICT', async () => {
      const k = await db().apiKeys.create(newKey());
      await expect(db().apiKeys.create(newKey({ id: k.id }))).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('lists newest first, optionally for one user', async () => {
      const user = await db().users.create({ name: unique('lister'), role: 'user', passwordHash: null });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await db().apiKeys.create(newKey({ userId: user.id }))).id);
        await nextMillisecond();
      }
      const all = await db().apiKeys.list();
      const times = all.map((k) => k.createdAt.getTime());
      expect(times).toEqual([...times].sort((x, y) => y - x));
      expect(all.filter((k) => k.userId === user.id).map((k) => k.id)).toEqual([...ids].reverse());
      expect((await db().apiKeys.list({ userId: user.id })).map((k) => k.id)).toEqual([...ids].reverse());
      expect(await db().apiKeys.list({ userId: 'nobody' })).toEqual([]);
    });

    it('revokes once', async () => {
      const k = await db().apiKeys.create(newKey());
      const at = new Date('2030-01-01T00:00:00.000Z');
      expect(await db().apiKeys.revoke(k.id, at)).toBe(true);
      expect(await db().apiKeys.revoke(k.id, new Date())).toBe(false);
      expect((await db().apiKeys.get(k.id))?.revokedAt).toEqual(at);
    });

    it('touch records the last use', async () => {
      const k = await db().apiKeys.create(newKey());
      const at = new Date('2029-12-31T23:59:59.999Z');
      await db().apiKeys.touch(k.id, at);
      expect((await db().apiKeys.get(k.id))?.lastUsedAt).toEqual(at);
    });
  });
});
