/**
 * Geometry of the fine-tuning loss chart, kept apart from the SVG so it can be tested with tables: the train
 * curve and the validation points of a job's metrics, scaled into a box with room for the axis labels.
 */
import type { FinetuneMetricPoint } from '../../../src/api/finetune.js';

/** The drawing box (SVG user units) and the margins left around the plot for labels. */
export interface ChartBox {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const defaultBox: ChartBox = { width: 640, height: 240, left: 56, right: 12, top: 12, bottom: 28 };

export interface ChartXY {
  x: number;
  y: number;
  step: number;
  value: number;
}

export interface LossChart {
  /** `points` of the train-loss `<polyline>` ("x,y x,y …"), empty without train values. */
  train: string;
  /** The same for validation loss. */
  validation: string;
  /** Validation values, drawn as dots too (they are few: one per evaluation). */
  validationPoints: ChartXY[];
  /** The data's step and loss ranges, for the axis labels. */
  steps: { min: number; max: number };
  loss: { min: number; max: number };
  /** The plot area inside the margins. */
  plot: { left: number; right: number; top: number; bottom: number };
}

/** Finite values of one kind by step, the last one winning (a resumed job may report a step again). */
function series(metrics: readonly FinetuneMetricPoint[], kind: FinetuneMetricPoint['kind']) {
  const byStep = new Map<number, number>();
  for (const m of metrics)
    if (m.kind === kind && Number.isFinite(m.step) && Number.isFinite(m.value)) byStep.set(m.step, m.value);
  return [...byStep].sort((a, b) => a[0] - b[0]);
}

/** A range that is never empty: a single value gets room around it so it lands mid-plot. */
function span(min: number, max: number): [number, number] {
  if (max > min) return [min, max];
  const pad = Math.abs(min) * 0.1 || 1;
  return [min - pad, max + pad];
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The chart of `metrics`, or `undefined` while there is no finite loss value to draw. */
export function lossChart(
  metrics: readonly FinetuneMetricPoint[],
  box: ChartBox = defaultBox,
): LossChart | undefined {
  const train = series(metrics, 'train');
  const validation = series(metrics, 'validation');
  const all = [...train, ...validation];
  if (all.length === 0) return undefined;
  const steps = { min: Math.min(...all.map((p) => p[0])), max: Math.max(...all.map((p) => p[0])) };
  const loss = { min: Math.min(...all.map((p) => p[1])), max: Math.max(...all.map((p) => p[1])) };
  const plot = {
    left: box.left,
    right: box.width - box.right,
    top: box.top,
    bottom: box.height - box.bottom,
  };
  const [x0, x1] = span(steps.min, steps.max);
  const [y0, y1] = span(loss.min, loss.max);
  const place = ([step, value]: [number, number]): ChartXY => ({
    x: round(plot.left + ((step - x0) / (x1 - x0)) * (plot.right - plot.left)),
    y: round(plot.bottom - ((value - y0) / (y1 - y0)) * (plot.bottom - plot.top)),
    step,
    value,
  });
  const line = (points: ChartXY[]) => points.map((p) => `${p.x},${p.y}`).join(' ');
  const validationPoints = validation.map(place);
  return {
    train: line(train.map(place)),
    validation: line(validationPoints),
    validationPoints,
    steps,
    loss,
    plot,
  };
}

/** A loss value for labels: four significant digits, without exponent noise for ordinary values. */
export function formatLoss(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.abs(value) >= 1e-3 || value === 0
    ? String(Number(value.toPrecision(4)))
    : value.toExponential(2);
}
