/** Byte sizes: parsing `8GiB`/`512MB`/`1024` and formatting like Ollama (`4.7 GB`, SI units). */
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Parse a byte size; throws `RangeError` on malformed input. */
export function parseBytes(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new RangeError(`invalid byte size ${String(input)}`);
    return Math.floor(input);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  const factor = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || factor === undefined) throw new RangeError(`invalid byte size "${input}" (use e.g. 512MB, 8GiB)`);
  return Math.floor(Number(m[1]) * factor);
}

/** Format bytes with SI units as Ollama's CLI does: `999 B`, `1.2 KB`, `4.7 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}
