/** Renders progress lines of `/api/create` and `/api/pull`: one line per status; percentages redraw in a TTY. */
import type { ProgressResponse } from '../api/index.js';
import { formatBytes } from '../lib/index.js';

export class ProgressPrinter {
  private last: string | undefined;
  private open = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {}

  update(p: ProgressResponse): void {
    const pct =
      p.total !== undefined && p.total > 0
        ? ` ${Math.floor(((p.completed ?? 0) / p.total) * 100)}% ${formatBytes(p.completed ?? 0)}/${formatBytes(p.total)}`
        : '';
    const line = `${p.status}${pct}`;
    if (line === this.last) return;
    // Without a terminal, a percentage line is only worth printing once a transfer is complete.
    if (!this.out.isTTY && pct !== '' && (p.completed ?? 0) < (p.total ?? 0)) return;
    if (this.out.isTTY && this.open && p.status === this.lastStatus()) {
      this.out.write(`\r\x1b[K${line}`);
    } else {
      this.finishLine();
      this.out.write(line);
      this.open = true;
    }
    this.last = line;
  }

  /** End the current line (call once when the stream ends). */
  finishLine(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  private lastStatus(): string | undefined {
    return this.last?.replace(/ \d+% .*$/, '');
  }
}
