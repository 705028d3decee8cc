/** Text formatting shared by CLI commands: aligned tables and human times, like Ollama's CLI. */

/** Left-aligned columns separated by at least three spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 4)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** "2 minutes ago", "About an hour ago", "3 days ago". */
export function timeAgo(date: Date, now: Date = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  const units: Array<[number, string]> = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  if (s < 1) return 'Less than a second ago';
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return n === 1 ? (name === 'hour' ? 'About an hour ago' : `1 ${name} ago`) : `${n} ${name}s ago`;
    }
  }
  return 'Less than a second ago';
}
