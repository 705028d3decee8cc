/** Saved profiles: a model with a system prompt and options, shared by name. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { changed, parseObject, toDate, toText } from './codec.js';
import { guard } from './guard.js';
import type { ProfilesTable, Schema } from './schema.js';

/** A stored profile. `createdBy` is a user id, null once that user is deleted. */
export interface ProfileRecord {
  id: string;
  name: string;
  model: string;
  system: string | null;
  options: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Stored profiles. A taken name (on create or rename) is `CONFLICT`. */
export interface ProfileRepository {
  /** Creates a profile with a random UUID id. */
  create(p: {
    name: string;
    model: string;
    system: string | null;
    options: Record<string, unknown>;
    createdBy: string | null;
  }): Promise<ProfileRecord>;
  get(id: string): Promise<ProfileRecord | undefined>;
  getByName(name: string): Promise<ProfileRecord | undefined>;
  /** Every profile, ordered by name. */
  list(): Promise<ProfileRecord[]>;
  update(
    id: string,
    change: Partial<Pick<ProfileRecord, 'name' | 'model' | 'system' | 'options'>>,
  ): Promise<ProfileRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

function toProfile(row: Selectable<ProfilesTable>): ProfileRecord {
  return {
    id: row.id,
    name: row.name,
    model: row.model,
    system: row.system,
    options: parseObject(row.options),
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

const taken = (name: string) => `a profile named '${name}' already exists`;

/** The {@link ProfileRepository} over `db`. */
export function createProfileRepository(db: Kysely<Schema>): ProfileRepository {
  const select = () => db.selectFrom('profiles').selectAll();
  return {
    async create(p) {
      const now = toText(new Date());
      const row = {
        id: randomUUID(),
        name: p.name,
        model: p.model,
        system: p.system,
        options: JSON.stringify(p.options),
        created_by: p.createdBy,
        created_at: now,
        updated_at: now,
      };
      await guard(() => db.insertInto('profiles').values(row).execute(), {
        conflict: taken(p.name),
        missing: `no user with id '${p.createdBy ?? ''}'`,
      });
      return toProfile(row);
    },
    async get(id) {
      const row = await guard(() => select().where('id', '=', id).executeTakeFirst());
      return row && toProfile(row);
    },
    async getByName(name) {
      const row = await guard(() => select().where('name', '=', name).executeTakeFirst());
      return row && toProfile(row);
    },
    async list() {
      const rows = await guard(() => select().orderBy('name').execute());
      return rows.map(toProfile);
    },
    async update(id, change) {
      const set: Updateable<ProfilesTable> = { updated_at: toText(new Date()) };
      if (change.name !== undefined) set.name = change.name;
      if (change.model !== undefined) set.model = change.model;
      if (change.system !== undefined) set.system = change.system;
      if (change.options !== undefined) set.options = JSON.stringify(change.options);
      const row = await guard(
        () => db.updateTable('profiles').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
        { conflict: taken(change.name ?? '') },
      );
      return row && toProfile(row);
    },
    async delete(id) {
      const r = await guard(() => db.deleteFrom('profiles').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
  };
}
