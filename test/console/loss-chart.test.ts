/** The Fine-tuning page's loss chart geometry (web/src/lib/loss-chart.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import type { FinetuneMetricPoint } from '../../src/api/index.js';
import { formatLoss, lossChart, type ChartBox } from '../../web/src/lib/loss-chart.js';

// A 100 × 50 plot at (10, 5): x = 10 … 110, y = 55 (lowest loss) … 5 (highest).
const box: ChartBox = { width: 120, height: 80, left: 10, right: 10, top: 5, bottom: 25 };
const train = (step: number, value: number): FinetuneMetricPoint => ({
  kind: 'train',
  step,
  value,
  learning_rate: null,
});
const validation = (step: number, value: number): FinetuneMetricPoint => ({
  ...train(step, value),
  kind: 'validation',
});

describe('lossChart', () => {
  it('has nothing to draw without finite values', () => {
    expect(lossChart([], box)).toBeUndefined();
    expect(lossChart([train(1, Number.NaN), train(2, Number.POSITIVE_INFINITY)], box)).toBeUndefined();
  });

  it.each([
    {
      what: 'a falling train curve spans the plot',
      metrics: [train(1, 3), train(2, 2), train(3, 1)],
      train: '10,5 60,30 110,55',
      validation: '',
      steps: { min: 1, max: 3 },
      loss: { min: 1, max: 3 },
    },
    {
      what: 'points arrive out of order and a resumed step repeats (the last value wins)',
      metrics: [train(3, 1), train(1, 3), train(2, 9), train(2, 2)],
      train: '10,5 60,30 110,55',
      validation: '',
      steps: { min: 1, max: 3 },
      loss: { min: 1, max: 3 },
    },
    {
      what: 'validation shares the scales with train',
      metrics: [train(0, 4), train(10, 2), validation(5, 3), validation(10, 2.5)],
      train: '10,5 110,55',
      validation: '60,30 110,42.5',
      steps: { min: 0, max: 10 },
      loss: { min: 2, max: 4 },
    },
    {
      what: 'a single value lands mid-plot',
      metrics: [train(7, 2)],
      train: '60,30',
      validation: '',
      steps: { min: 7, max: 7 },
      loss: { min: 2, max: 2 },
    },
    {
      what: 'non-finite values are skipped',
      metrics: [train(1, 2), train(2, Number.NaN), train(3, 1)],
      train: '10,5 110,55',
      validation: '',
      steps: { min: 1, max: 3 },
      loss: { min: 1, max: 2 },
    },
    {
      what: 'validation alone',
      metrics: [validation(4, 1.5), validation(8, 0.5)],
      train: '',
      validation: '10,5 110,55',
      steps: { min: 4, max: 8 },
      loss: { min: 0.5, max: 1.5 },
    },
  ])('$what', ({ what: _what, metrics, ...expected }) => {
    const chart = lossChart(metrics, box)!;
    expect(chart).toMatchObject(expected);
    expect(chart.plot).toEqual({ left: 10, right: 110, top: 5, bottom: 55 });
    expect(chart.validationPoints.map((p) => `${p.x},${p.y}`).join(' ')).toBe(expected.validation);
  });

  it('keeps every coordinate inside the plot', () => {
    const metrics = Array.from({ length: 200 }, (_, i) => train(i + 1, 5 * Math.exp(-i / 40) + Math.sin(i)));
    const chart = lossChart(metrics, box)!;
    for (const pair of chart.train.split(' ')) {
      const [x, y] = pair.split(',').map(Number) as [number, number];
      expect(x).toBeGreaterThanOrEqual(10);
      expect(x).toBeLessThanOrEqual(110);
      expect(y).toBeGreaterThanOrEqual(5);
      expect(y).toBeLessThanOrEqual(55);
    }
  });
});

describe('formatLoss', () => {
  it.each([
    [2.345678, '2.346'],
    [0.5, '0.5'],
    [10.12345, '10.12'],
    [0, '0'],
    [0.000123, '1.23e-4'],
    [Number.NaN, '–'],
  ])('%s → %s', (value, text) => {
    expect(formatLoss(value)).toBe(text);
  });
});
