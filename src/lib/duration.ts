/**
 * Durations as Ollama accepts them for `keep_alive` and timeouts: a number of seconds, or a Go-style duration
 * string (`300ms`, `1.5s`, `5m`, `1h30m`). A negative value means "forever" and is returned as `Infinity`.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;

/** Parse a duration into milliseconds; throws `RangeError` with a readable message when malformed. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new RangeError(`invalid duration ${String(input)}`);
    return input < 0 ? Infinity : input * 1000;
  }
  const text = input.trim();
  if (text === '') throw new RangeError('invalid duration ""');
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseDuration(Number(text));
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  if (body === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let m = PART.exec(body); m !== null; m = PART.exec(body)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (consumed !== body.length || consumed === 0) {
    throw new RangeError(`invalid duration "${input}" (use e.g. 30s, 5m, 1h, or a number of seconds)`);
  }
  return negative ? Infinity : total;
}

/** Render milliseconds as a short Go-style string (`5m0s` style is avoided: `5m`, `1h30m`, `250ms`, `forever`). */
export function formatDuration(ms: number): string {
  if (ms === Infinity) return 'forever';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}
