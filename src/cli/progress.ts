/**
 * Renders progress lines of `/api/create`, `/api/pull` and `/api/push`: one line per status. A transfer (a line
 * with `total`) shows a bar as Ollama's CLI does, `pulling 8eeb52dfb3bb  35% ▕██████       ▏ 1.6 GB/4.7 GB
 * 102 MB/s 30s`, redrawn in place on a terminal, with the speed over the last few seconds and the time left.
 * Without a terminal only finished transfers are printed (`… 100% ▕████▏ 4.7 GB`), so logs stay short.
 */
import type { ProgressResponse } from '../api/index.js';
import { formatBytes, formatDuration } from '../lib/index.js';

const BAR_WIDTH = 20;
/** Speed is measured over this window, so it follows changes without jumping with every line. */
const WINDOW_MS = 5_000;

interface Sample {
  at: number;
  completed: number;
}

/** Speed in bytes per second over `samples`, or `undefined` while too little time has passed. */
export function transferRate(samples: readonly Sample[]): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.at - first.at < 250) return undefined;
  return ((last.completed - first.completed) / (last.at - first.at)) * 1000;
}

/** The bar: `▕████      ▏`. */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.max(0, Math.min(width, Math.floor(fraction * width)));
  return `▕${'█'.repeat(filled)}${' '.repeat(width - filled)}▏`;
}

export class ProgressPrinter {
  private last: string | undefined;
  private lastStatus: string | undefined;
  private open = false;
  private samples: Sample[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(p: ProgressResponse): void {
    const transfer = p.total !== undefined && p.total > 0;
    if (p.status !== this.lastStatus) this.samples = [];
    const line = transfer ? this.transferLine(p.status, p.completed ?? 0, p.total as number) : p.status;
    // Without a terminal, a transfer is only worth printing once it is complete.
    if (!this.out.isTTY && transfer && (p.completed ?? 0) < (p.total as number)) return;
    if (line === this.last) return;
    if (this.out.isTTY && this.open && p.status === this.lastStatus) {
      this.out.write(`\r\x1b[K${line}`);
    } else {
      this.finishLine();
      this.out.write(line);
      this.open = true;
    }
    this.last = line;
    this.lastStatus = p.status;
  }

  /** End the current line (call once when the stream ends). */
  finishLine(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  private transferLine(status: string, completed: number, total: number): string {
    const pct = Math.floor((Math.min(completed, total) / total) * 100);
    const head = `${status} ${String(pct).padStart(3)}% ${progressBar(completed / total)}`;
    if (completed >= total) return `${head} ${formatBytes(total)}`;
    const at = this.now();
    this.samples.push({ at, completed });
    while (this.samples.length > 2 && at - (this.samples[0] as Sample).at > WINDOW_MS) this.samples.shift();
    const rate = transferRate(this.samples);
    const sizes = `${formatBytes(completed)}/${formatBytes(total)}`;
    if (rate === undefined || rate <= 0) return `${head} ${sizes}`;
    const eta = formatDuration(((total - completed) / rate) * 1000);
    return `${head} ${sizes}  ${formatBytes(rate)}/s  ${eta}`;
  }
}
