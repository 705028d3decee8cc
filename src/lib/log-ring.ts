/**
 * The most recent log lines in memory, for `GET /api/logs`: pino writes its serialized JSON lines here as a third
 * stream (beside stderr and the log file), so what the ring holds has already passed pino's `redact`.
 */

/** pino's numeric levels and their names. */
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const NUMBERS = Object.fromEntries(Object.entries(LEVELS).map(([n, name]) => [name, Number(n)]));

/** One stored line, as pino wrote it plus its level number for filtering. */
interface Entry {
  level: number;
  component: string | undefined;
  fields: Record<string, unknown>;
}

/** A line as {@link LogRing.query} returns it: `time` ISO-8601, `level` by name, the other fields as logged. */
export interface RingLine {
  time: string;
  level: string;
  component?: string;
  msg: string;
  [field: string]: unknown;
}

/** What {@link LogRing.query} selects. */
export interface RingQuery {
  /** Lowest level name (`info`: info, warn, error, fatal). */
  level?: string;
  /** Most lines returned, the newest ones. */
  limit?: number;
  component?: string;
}

/** A fixed-size ring of JSON log lines; a pino destination (`write(line)`). */
export class LogRing {
  readonly #entries: Array<Entry | undefined>;
  #next = 0;
  #count = 0;

  constructor(readonly capacity = 2000) {
    this.#entries = new Array<Entry | undefined>(capacity);
  }

  /** Store one serialized line (pino calls this). Lines that are not JSON objects are kept as a message. */
  write(line: string): void {
    let fields: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      fields =
        typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { msg: line };
    } catch {
      fields = { msg: line.trimEnd() }; // a non-JSON line (a raw write) is still worth showing as it is
    }
    const level = typeof fields.level === 'number' ? fields.level : 30;
    const component = typeof fields.component === 'string' ? fields.component : undefined;
    this.#entries[this.#next] = { level, component, fields };
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.#count + 1, this.capacity);
  }

  /** Matching lines, oldest first, at most `limit` of the newest. */
  query(q: RingQuery = {}): RingLine[] {
    const min = NUMBERS[q.level ?? 'trace'] ?? 0;
    const limit = q.limit ?? this.capacity;
    const out: RingLine[] = [];
    for (let i = 1; i <= this.#count && out.length < limit; i++) {
      const e = this.#entries[(this.#next - i + this.capacity) % this.capacity];
      if (e === undefined || e.level < min) continue;
      if (q.component !== undefined && e.component !== q.component) continue;
      out.push(toLine(e));
    }
    return out.reverse();
  }
}

function toLine(e: Entry): RingLine {
  const { time, level: _level, msg, pid: _pid, hostname: _hostname, ...rest } = e.fields;
  return {
    ...rest,
    time: new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now()).toISOString(),
    level: LEVELS[e.level] ?? String(e.level),
    msg: typeof msg === 'string' ? msg : '',
  };
}
