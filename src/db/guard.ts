/**
 * Turns driver errors into Corral errors: a unique-constraint violation becomes `CONFLICT`, a foreign-key
 * violation `RESOURCE_NOT_FOUND` (when the caller names what is missing), anything else `DATABASE_UNAVAILABLE`.
 * better-sqlite3 reports `SQLITE_CONSTRAINT_*` codes, `pg` the SQLSTATE (23505 unique, 23503 foreign key).
 */
import { AppError, isAppError } from '../core/index.js';

/** Messages for the constraint violations a statement may hit. */
export interface GuardMessages {
  /** Message of the `CONFLICT` error for a unique violation, naming the taken name. */
  conflict?: string;
  /** Message of the `RESOURCE_NOT_FOUND` error for a foreign-key violation, naming the missing row. */
  missing?: string;
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** True when `err` is a unique or primary-key violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when `err` is a foreign-key violation on either dialect. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Runs one database operation and translates its failure (see the file comment). */
export async function guard<T>(work: () => Promise<T>, messages: GuardMessages = {}): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isAppError(err)) throw err;
    if (messages.conflict !== undefined && isUniqueViolation(err)) {
      throw new AppError('CONFLICT', messages.conflict, { cause: err });
    }
    if (messages.missing !== undefined && isForeignKeyViolation(err)) {
      throw new AppError('RESOURCE_NOT_FOUND', messages.missing, { cause: err });
    }
    throw new AppError('DATABASE_UNAVAILABLE', 'database operation failed', { cause: err });
  }
}
