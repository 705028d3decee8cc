/** `--verbose` timing statistics, printed after an answer the way Ollama's CLI prints them. */
import type { Metrics } from '../api/index.js';

function duration(ns: number): string {
  const ms = ns / 1e6;
  if (ms < 1) return `${Math.round(ns / 1e3)}µs`;
  if (ms < 1000) return `${ms.toFixed(3)}ms`;
  return `${(ms / 1000).toFixed(6)}s`;
}

const rate = (count: number, ns: number) => (ns > 0 ? `${(count / (ns / 1e9)).toFixed(2)} tokens/s` : 'n/a');

export function renderStats(m: Partial<Metrics>): string {
  const rows: Array<[string, string]> = [
    ['total duration', duration(m.total_duration ?? 0)],
    ['load duration', duration(m.load_duration ?? 0)],
    ['prompt eval count', `${m.prompt_eval_count ?? 0} token(s)`],
    ['prompt eval duration', duration(m.prompt_eval_duration ?? 0)],
    ['prompt eval rate', rate(m.prompt_eval_count ?? 0, m.prompt_eval_duration ?? 0)],
    ['eval count', `${m.eval_count ?? 0} token(s)`],
    ['eval duration', duration(m.eval_duration ?? 0)],
    ['eval rate', rate(m.eval_count ?? 0, m.eval_duration ?? 0)],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(22)}${v}`).join('\n') + '\n';
}
