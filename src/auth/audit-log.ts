/**
 * Writes who did what to the audit table. The actor comes from the {@link Principal}; the caller names the
 * action (`model.delete`, `key.create`, `auth.login`, …), its target and how it ended.
 */
import type { Logger } from '../core/index.js';
import type { AuditEvent, AuditOutcome, Database } from '../db/index.js';
import type { Principal } from './principal.js';

/** One entry to record. */
export interface AuditEntry {
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  status?: number | null;
  ip?: string | null;
  details?: Record<string, unknown> | null;
}

/** Appends audit events; a failed write is logged as an error and never fails the request it describes. */
export class AuditLog {
  readonly #db: Pick<Database, 'audit'>;
  readonly #log: Logger;

  constructor(db: Pick<Database, 'audit'>, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  async record(actor: Principal, entry: AuditEntry): Promise<AuditEvent | undefined> {
    try {
      return await this.#db.audit.append({
        at: new Date(),
        actorType: actor.kind,
        actorId: actor.kind === 'anonymous' ? null : actor.id,
        actorName: actor.kind === 'anonymous' ? null : actor.name,
        action: entry.action,
        target: entry.target ?? null,
        outcome: entry.outcome,
        status: entry.status ?? null,
        ip: entry.ip ?? null,
        details: entry.details ?? null,
      });
    } catch (err) {
      // The action already happened (or was already refused): losing its record is an error for operators,
      // not a reason to change the caller's answer.
      this.#log.error({ err, action: entry.action }, 'audit write failed');
      return undefined;
    }
  }
}
