import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  missingThreadCounts,
  pickThreads,
  readCalibration,
  recordCalibration,
  sizeClassOf,
} from './thread-calibration.js';

const MiB = 1024 * 1024;

describe('sizeClassOf', () => {
  it.each([
    [0, 'cpu:<64MiB'],
    [63 * MiB, 'cpu:<64MiB'],
    [64 * MiB, 'cpu:64-256MiB'],
    [420 * MiB, 'cpu:256MiB-1GiB'],
    [4 * 1024 * MiB, 'cpu:4-16GiB'],
    [100 * 1024 * MiB, 'cpu:>=16GiB'],
  ])('%d bytes → %s', (bytes, label) => expect(sizeClassOf(bytes, 'cpu')).toBe(label));
});

describe('pickThreads', () => {
  it.each([
    ['nothing measured: the budget', {}, 4, 4],
    ['fastest within budget', { 1: 21, 2: 33 }, 2, 2],
    ['budget excludes faster counts', { 1: 21, 2: 33 }, 1, 1],
    ['fewest threads within 5% of the fastest', { 1: 150, 2: 155, 3: 120 }, 3, 1],
    ['tiny models are fastest on 1 thread', { 1: 2400, 2: 80 }, 2, 1],
    ['only counts above budget measured: the budget', { 4: 10 }, 2, 2],
  ])('%s', (_name, speeds, budget, expected) => expect(pickThreads(speeds, budget)).toBe(expected));
});

describe('missingThreadCounts', () => {
  it.each([
    [{}, 2, 2, [1, 2]],
    [{ 1: 5 }, 4, 2, [2]],
    [{ 1: 5, 2: 6 }, 2, 16, []],
    [{}, 8, 2, [1, 2]],
  ])('%j budget %d cores %d → %j', (speeds, budget, cores, expected) =>
    expect(missingThreadCounts(speeds, budget, cores)).toEqual(expected),
  );
});

describe('calibration file', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts empty, merges measurements per class and survives corruption', async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-cal-'));
    const file = join(dir, 'sub', 'calibration.json');
    expect(await readCalibration(file)).toEqual({ version: 1, classes: {} });
    await recordCalibration(file, 'cpu:<64MiB', { 1: 2400 });
    await recordCalibration(file, 'cpu:<64MiB', { 2: 90 });
    await recordCalibration(file, 'cpu:256MiB-1GiB', { 1: 21, 2: 33 });
    const data = await readCalibration(file);
    expect(data.classes['cpu:<64MiB']).toMatchObject({ threads: { 1: 2400, 2: 90 }, best: 1 });
    expect(data.classes['cpu:256MiB-1GiB']).toMatchObject({ threads: { 1: 21, 2: 33 }, best: 2 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(data);
    await writeFile(file, '{not json');
    expect(await readCalibration(file)).toEqual({ version: 1, classes: {} });
  });
});
