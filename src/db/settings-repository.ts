/** Server-wide settings changed at run time: a small key/value table. */
import type { Kysely } from 'kysely';
import { changed, toText } from './codec.js';
import { guard } from './guard.js';
import type { Schema } from './schema.js';

/** Stored settings: text values by key. */
export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  /** Inserts or replaces the value. */
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Stores `value` unless `key` already has one, and returns the stored value: the first writer wins. */
  insertIfAbsent(key: string, value: string): Promise<string>;
}

/** The {@link SettingsRepository} over `db`. */
export function createSettingsRepository(db: Kysely<Schema>): SettingsRepository {
  return {
    async get(key) {
      const row = await guard(() =>
        db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst(),
      );
      return row?.value;
    },
    async set(key, value) {
      const updated_at = toText(new Date());
      await guard(() =>
        db
          .insertInto('settings')
          .values({ key, value, updated_at })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at }))
          .execute(),
      );
    },
    async insertIfAbsent(key, value) {
      const updated_at = toText(new Date());
      const row = await guard(async () => {
        await db
          .insertInto('settings')
          .values({ key, value, updated_at })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        return db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
      });
      return row.value;
    },
    async delete(key) {
      const r = await guard(() => db.deleteFrom('settings').where('key', '=', key).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
  };
}
