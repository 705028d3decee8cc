/** Display helpers: sizes, durations and dates as people read them. */

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes in decimal units, as Ollama prints them (`1.2 GB`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds as `1h 2m`, `3m 4s` or `5s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** A timestamp relative to now (`3 minutes ago`, `in 5 minutes`). */
export function formatRelative(date: string | number | Date, now = Date.now()): string {
  const t = new Date(date).getTime();
  if (Number.isNaN(t)) return '–';
  const diff = (t - now) / 1000;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

/** Absolute local date and time. */
export function formatDate(date: string | number | Date): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString();
}

/** Percentage of `part` in `total`, floored so 100% means done. */
export function percent(part: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((part / total) * 100)) : 0;
}
