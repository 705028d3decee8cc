/** How every benchmark reports: an aligned two-column table on stdout, and its figures in bench/results/<name>.json. */
import { mkdir, writeFile } from 'node:fs/promises';

/** Prints `[label, value]` rows with the labels padded to one width. */
export function printRows(rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}

/** Writes `data` as bench/results/<name>.json (the folder is created). */
export async function writeResults(name: string, data: object): Promise<void> {
  const results = new URL('../results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL(`${name}.json`, results), `${JSON.stringify(data, null, 2)}\n`);
}
