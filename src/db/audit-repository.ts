/** The audit log: append-only events, read newest first with filters and an id cursor. */
import { sql, type Kysely, type Selectable } from 'kysely';
import { parseObject, toDate, toText } from './codec.js';
import { guard } from './guard.js';
import type { AuditEventsTable, Schema } from './schema.js';

/** How an audited action ended. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** One audit event. `id` is an auto-increment integer: ids strictly increase with insertion. */
export interface AuditEvent {
  id: number;
  at: Date;
  actorType: 'key' | 'user' | 'anonymous' | 'local' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  status: number | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

/** Filters of {@link AuditRepository.query}; all optional and combined with AND. */
export interface AuditQuery {
  /** Events at or after this time. */
  since?: Date;
  /** Events strictly before this time. */
  until?: Date;
  /** Matches `actorName` or `actorId`. */
  actor?: string;
  /** Exact action, or a prefix when it ends with '.' (`'model.'` matches `model.pull`, `model.delete`). */
  action?: string;
  outcome?: AuditOutcome;
  /** Cursor: only events with an id below this (pass the last id of the previous page). */
  before?: number;
  /** Page size: default 100, at most 1000. */
  limit?: number;
}

/** The audit log store. */
export interface AuditRepository {
  /** Appends an event and returns it with its id. */
  append(e: Omit<AuditEvent, 'id'>): Promise<AuditEvent>;
  /** Events newest first (id descending). */
  query(q?: AuditQuery): Promise<AuditEvent[]>;
}

/** Default and maximum page size of {@link AuditRepository.query}. */
export const auditPageSize = { default: 100, max: 1000 } as const;

function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return auditPageSize.default;
  return Math.min(Math.max(Math.floor(limit), 1), auditPageSize.max);
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: Number(row.id),
    at: toDate(row.at),
    actorType: row.actor_type as AuditEvent['actorType'],
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditOutcome,
    status: row.status,
    ip: row.ip,
    details: row.details === null ? null : parseObject(row.details),
  };
}

/** The {@link AuditRepository} over `db`. */
export function createAuditRepository(db: Kysely<Schema>): AuditRepository {
  return {
    async append(e) {
      const row = {
        at: toText(e.at),
        actor_type: e.actorType,
        actor_id: e.actorId,
        actor_name: e.actorName,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        status: e.status,
        ip: e.ip,
        details: e.details === null ? null : JSON.stringify(e.details),
      };
      const { id } = await guard(() =>
        db.insertInto('audit_events').values(row).returning('id').executeTakeFirstOrThrow(),
      );
      return toEvent({ ...row, id });
    },
    async query(q = {}) {
      let s = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(pageSize(q.limit));
      if (q.since !== undefined) s = s.where('at', '>=', toText(q.since));
      if (q.until !== undefined) s = s.where('at', '<', toText(q.until));
      if (q.outcome !== undefined) s = s.where('outcome', '=', q.outcome);
      if (q.before !== undefined) s = s.where('id', '<', q.before);
      const actor = q.actor;
      if (actor !== undefined) {
        s = s.where((eb) => eb.or([eb('actor_name', '=', actor), eb('actor_id', '=', actor)]));
      }
      const action = q.action;
      if (action?.endsWith('.')) {
        // substr, not LIKE: LIKE is case-insensitive on SQLite and would treat '%' and '_' as wildcards.
        const length = [...action].length;
        s = s.where(sql<string>`substr(action, 1, ${sql.lit(length)})`, '=', action);
      } else if (action !== undefined) {
        s = s.where('action', '=', action);
      }
      const rows = await guard(() => s.execute());
      return rows.map(toEvent);
    },
  };
}
