/**
 * Column codecs shared by the repositories: timestamps as ISO-8601 UTC text, booleans as 0/1, JSON as text.
 */

/** A `Date` as stored: `toISOString()` text. */
export function toText(d: Date): string {
  return d.toISOString();
}

/** A nullable `Date` as stored. */
export function toTextOrNull(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** A stored timestamp back as a `Date`. */
export function toDate(text: string): Date {
  return new Date(text);
}

/** A nullable stored timestamp back as a `Date`. */
export function toDateOrNull(text: string | null): Date | null {
  return text === null ? null : new Date(text);
}

/** A JSON object column back as an object. */
export function parseObject(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** Rows changed by an insert/update/delete (Kysely reports them as bigint). */
export function changed(n: bigint | undefined): number {
  return Number(n ?? 0n);
}
