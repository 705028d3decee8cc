import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from './use-database.js';

describe.each(testDatabases)('profiles and settings on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('repositories', () => {
    const db = useDatabase(tdb);
    const newProfile = (name = unique('profile')) =>
      db().profiles.create({
        name,
        model: 'llama3.2:1b',
        system: 'You are terse.',
        options: { temperature: 0.2, stop: ['\n'], nested: { a: 1 } },
        createdBy: null,
      });

    it('creates a profile and reads it back by id and by name, options intact', async () => {
      const p = await newProfile();
      expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(p.options).toEqual({ temperature: 0.2, stop: ['\n'], nested: { a: 1 } });
      expect(await db().profiles.get(p.id)).toEqual(p);
      expect(await db().profiles.getByName(p.name)).toEqual(p);
    });

    it('records the creating user', async () => {
      const user = await db().users.create({ name: unique('maker'), role: 'operator', passwordHash: null });
      const p = await db().profiles.create({
        name: unique('p'),
        model: 'm',
        system: null,
        options: {},
        createdBy: user.id,
      });
      expect((await db().profiles.get(p.id))?.createdBy).toBe(user.id);
    });

    it('returns undefined / false for a missing profile', async () => {
      expect(await db().profiles.get('missing')).toBeUndefined();
      expect(await db().profiles.getByName('missing')).toBeUndefined();
      expect(await db().profiles.update('missing', { model: 'x' })).toBeUndefined();
      expect(await db().profiles.delete('missing')).toBe(false);
    });

    it.each([
      { change: { model: 'qwen2.5:0.5b' } },
      { change: { system: null } },
      { change: { system: 'Be kind.' } },
      { change: { options: { top_k: 10 } } },
      { change: { name: 'renamed' } },
      { change: {} },
    ])('updates $change', async ({ change }) => {
      const p = await newProfile();
      const renamed = 'name' in change && change.name !== undefined ? { name: unique(change.name) } : {};
      const updated = await db().profiles.update(p.id, { ...change, ...renamed });
      expect(updated).toEqual({ ...p, ...change, ...renamed, updatedAt: expect.any(Date) });
      expect(await db().profiles.get(p.id)).toEqual(updated);
    });

    it.each([
      { label: 'create', act: (taken: string) => newProfile(taken) },
      {
        label: 'rename',
        act: async (taken: string) => db().profiles.update((await newProfile()).id, { name: taken }),
      },
    ])('rejects a taken name on $label with CONFLICT', async ({ act }) => {
      const taken = (await newProfile()).name;
      const err: unknown = await act(taken).catch((e: unknown) => e);
      expect(isAppError(err, 'CONFLICT')).toBe(true);
      expect((err as Error).message).toContain(taken);
    });

    it('lists by name and deletes', async () => {
      const p = await newProfile();
      const names = (await db().profiles.list()).map((x) => x.name);
      expect(names).toContain(p.name);
      expect(names).toEqual([...names].sort());
      expect(await db().profiles.delete(p.id)).toBe(true);
      expect(await db().profiles.get(p.id)).toBeUndefined();
    });

    it('settings: get, set (insert and replace), delete', async () => {
      const key = unique('setting');
      expect(await db().settings.get(key)).toBeUndefined();
      await db().settings.set(key, 'one');
      expect(await db().settings.get(key)).toBe('one');
      await db().settings.set(key, 'two');
      expect(await db().settings.get(key)).toBe('two');
      expect(await db().settings.delete(key)).toBe(true);
      expect(await db().settings.delete(key)).toBe(false);
      expect(await db().settings.get(key)).toBeUndefined();
    });
  });
});
