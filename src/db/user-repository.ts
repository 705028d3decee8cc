/** Users: people who sign in to the console or own API keys. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { AppError, isRole, type Role } from '../core/index.js';
import { changed, toDate, toText } from './codec.js';
import { guard } from './guard.js';
import type { Schema, UsersTable } from './schema.js';

/** A stored user. `passwordHash` is null for users who sign in only with API keys. */
export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Stored users. A taken name is `CONFLICT`; a missing id is `undefined` / `false`. */
export interface UserRepository {
  /** Creates a user with a random UUID id. */
  create(u: { name: string; role: Role; passwordHash: string | null }): Promise<UserRecord>;
  get(id: string): Promise<UserRecord | undefined>;
  getByName(name: string): Promise<UserRecord | undefined>;
  /** Every user, ordered by name. */
  list(): Promise<UserRecord[]>;
  update(
    id: string,
    change: { role?: Role; passwordHash?: string | null; disabled?: boolean },
  ): Promise<UserRecord | undefined>;
  /** Deletes the user; its sessions and API keys go with it (foreign-key cascade). */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  if (!isRole(row.role)) {
    throw new AppError('INTERNAL', `user ${row.name} has an unknown role '${row.role}' in the database`);
  }
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    disabled: row.disabled !== 0,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The {@link UserRepository} over `db`. */
export function createUserRepository(db: Kysely<Schema>): UserRepository {
  const select = () => db.selectFrom('users').selectAll();
  return {
    async create(u) {
      const now = toText(new Date());
      const row = {
        id: randomUUID(),
        name: u.name,
        role: u.role,
        password_hash: u.passwordHash,
        disabled: 0,
        created_at: now,
        updated_at: now,
      };
      await guard(() => db.insertInto('users').values(row).execute(), {
        conflict: `a user named '${u.name}' already exists`,
      });
      return toUser(row);
    },
    async get(id) {
      const row = await guard(() => select().where('id', '=', id).executeTakeFirst());
      return row && toUser(row);
    },
    async getByName(name) {
      const row = await guard(() => select().where('name', '=', name).executeTakeFirst());
      return row && toUser(row);
    },
    async list() {
      const rows = await guard(() => select().orderBy('name').execute());
      return rows.map(toUser);
    },
    async update(id, change) {
      const set: Updateable<UsersTable> = { updated_at: toText(new Date()) };
      if (change.role !== undefined) set.role = change.role;
      if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
      if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
      const row = await guard(() =>
        db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
      );
      return row && toUser(row);
    },
    async delete(id) {
      const r = await guard(() => db.deleteFrom('users').where('id', '=', id).executeTakeFirst());
      return changed(r.numDeletedRows) > 0;
    },
    async count() {
      const r = await guard(() =>
        db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow(),
      );
      return Number(r.n);
    },
  };
}
