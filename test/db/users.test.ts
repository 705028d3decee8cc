import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from './use-database.js';

describe.each(testDatabases)('users on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repository', () => {
    const db = useDatabase(tdb);

    it('creates a user with a UUID id and reads it back by id and by name', async () => {
      const name = unique('alice');
      const created = await db().users.create({ name, role: 'admin', passwordHash: 'h1' });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created).toMatchObject({ name, role: 'admin', passwordHash: 'h1', disabled: false });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
      expect(await db().users.get(created.id)).toEqual(created);
      expect(await db().users.getByName(name)).toEqual(created);
    });

    it('returns undefined / false for ids and names that do not exist', async () => {
      expect(await db().users.get('missing')).toBeUndefined();
      expect(await db().users.getByName('missing')).toBeUndefined();
      expect(await db().users.update('missing', { role: 'user' })).toBeUndefined();
      expect(await db().users.delete('missing')).toBe(false);
    });

    it('rejects a taken name with CONFLICT naming the name', async () => {
      const name = unique('bob');
      await db().users.create({ name, role: 'user', passwordHash: null });
      const err: unknown = await db()
        .users.create({ name, role: 'viewer', passwordHash: null })
        .catch((e: unknown) => e);
      expect(isAppError(err, 'CONFLICT')).toBe(true);
      expect((err as Error).message).toContain(name);
    });

    it.each([
      { change: { role: 'viewer' as const }, expected: { role: 'viewer' } },
      { change: { passwordHash: 'new-hash' }, expected: { passwordHash: 'new-hash' } },
      { change: { passwordHash: null }, expected: { passwordHash: null } },
      { change: { disabled: true }, expected: { disabled: true } },
      { change: { disabled: false }, expected: { disabled: false } },
      { change: {}, expected: { role: 'operator', passwordHash: 'h', disabled: false } },
    ])('updates $change', async ({ change, expected }) => {
      const user = await db().users.create({ name: unique('carol'), role: 'operator', passwordHash: 'h' });
      const updated = await db().users.update(user.id, change);
      expect(updated).toMatchObject({ ...expected, id: user.id, name: user.name });
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
      expect(await db().users.get(user.id)).toEqual(updated);
    });

    it('lists by name and counts', async () => {
      const before = await db().users.count();
      const prefix = unique('list');
      for (const suffix of ['c', 'a', 'b']) {
        await db().users.create({ name: `${prefix}-${suffix}`, role: 'user', passwordHash: null });
      }
      expect(await db().users.count()).toBe(before + 3);
      const names = (await db().users.list()).map((u) => u.name);
      expect(names).toEqual([...names].sort());
      expect(names.filter((n) => n.startsWith(prefix))).toEqual(['a', 'b', 'c'].map((s) => `${prefix}-${s}`));
    });

    it('deletes a user together with its sessions and API keys', async () => {
      const user = await db().users.create({ name: unique('dave'), role: 'user', passwordHash: null });
      const other = await db().users.create({ name: unique('erin'), role: 'user', passwordHash: null });
      const key = { name: 'laptop', role: 'user' as const, secretHash: 's', expiresAt: null };
      const limits = { rateLimitPerMinute: null, maxConcurrent: null };
      await db().apiKeys.create({ id: unique('k'), userId: user.id, ...key, ...limits });
      const kept = await db().apiKeys.create({ id: unique('k'), userId: other.id, ...key, ...limits });
      const expiresAt = new Date(Date.now() + 60_000);
      await db().sessions.create({ id: unique('s'), userId: user.id, expiresAt });
      const keptSession = await db().sessions.create({ id: unique('s'), userId: other.id, expiresAt });
      const profile = await db().profiles.create({
        name: unique('p'),
        model: 'm',
        system: null,
        options: {},
        createdBy: user.id,
      });

      expect(await db().users.delete(user.id)).toBe(true);
      expect(await db().users.get(user.id)).toBeUndefined();
      expect(await db().apiKeys.list({ userId: user.id })).toEqual([]);
      expect(await db().sessions.deleteForUser(user.id)).toBe(0);
      expect(await db().apiKeys.get(kept.id)).toEqual(kept);
      expect(await db().sessions.get(keptSession.id)).toEqual(keptSession);
      expect((await db().profiles.get(profile.id))?.createdBy).toBeNull();
    });
  });
});
