/**
 * Thread calibration. llama.cpp's worker threads spin, so the thread count decides CPU speed, and the best count
 * depends on the model's size and the machine (ENGINE-NOTES: a 134 k model decodes fastest on 1 thread, a 220 M
 * one on 2). A runner measures single-stream decode speed for the thread counts its size class lacks, once per
 * machine, and every later runner of that class uses the best count within its budget. The measurements live in a
 * JSON file (e.g. `$CORRAL_HOME/calibration.json`).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Decode speed in tokens per second, by thread count (`{"1": 150.2, "2": 201.9}`). */
export type ThreadSpeeds = Record<string, number>;

/** The calibration file's content. */
export interface CalibrationData {
  version: 1;
  classes: Record<string, { threads: ThreadSpeeds; best: number; updatedAt: string }>;
}

const MiB = 1024 * 1024;
const BOUNDS = [64 * MiB, 256 * MiB, 1024 * MiB, 4096 * MiB, 16384 * MiB];
const LABELS = ['<64MiB', '64-256MiB', '256MiB-1GiB', '1-4GiB', '4-16GiB', '>=16GiB'];

/** A model's size class: backend plus a file-size bucket (`cpu:64-256MiB`). */
export function sizeClassOf(fileBytes: number, backend: string): string {
  const index = BOUNDS.findIndex((bound) => fileBytes < bound);
  return `${backend}:${LABELS[index === -1 ? LABELS.length - 1 : index]}`;
}

/**
 * The thread count to use within `budget`: the fewest threads within 5% of the fastest measured count (measurement
 * noise should not cost a core). With nothing measured, the budget itself.
 */
export function pickThreads(speeds: ThreadSpeeds, budget: number): number {
  const measured = Object.entries(speeds)
    .map(([threads, speed]) => ({ threads: Number(threads), speed }))
    .filter((m) => m.threads >= 1 && m.threads <= budget)
    .sort((a, b) => a.threads - b.threads);
  if (measured.length === 0) return budget;
  const fastest = Math.max(...measured.map((m) => m.speed));
  return (measured.find((m) => m.speed >= fastest * 0.95) ?? measured[0])!.threads;
}

/** Thread counts from 1 to `min(budget, cores)` that have no measurement yet. */
export function missingThreadCounts(speeds: ThreadSpeeds, budget: number, cores: number): number[] {
  const missing: number[] = [];
  for (let t = 1; t <= Math.min(budget, cores); t++) if (speeds[t] === undefined) missing.push(t);
  return missing;
}

/** Reads the calibration file; a missing or unreadable file is an empty calibration (it is only a cache). */
export async function readCalibration(path: string): Promise<CalibrationData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { version: 1, classes: {} }; // no file yet: nothing measured on this machine
  }
  try {
    const data = JSON.parse(text) as Partial<CalibrationData>;
    if (data.version === 1 && typeof data.classes === 'object' && data.classes !== null)
      return data as CalibrationData;
  } catch {
    // corrupt file (e.g. hand-edited): start over, it is rewritten by the next calibration
  }
  return { version: 1, classes: {} };
}

/** Merges `speeds` into the class's entry and writes the file atomically (write, then rename). */
export async function recordCalibration(
  path: string,
  sizeClass: string,
  speeds: ThreadSpeeds,
): Promise<void> {
  const data = await readCalibration(path);
  const threads = { ...data.classes[sizeClass]?.threads, ...speeds };
  data.classes[sizeClass] = {
    threads,
    best: pickThreads(threads, Infinity),
    updatedAt: new Date().toISOString(),
  };
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
  await rename(temp, path);
}
