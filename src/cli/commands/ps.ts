import { formatBytes } from '../../lib/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table } from '../format.js';
import { clientFor } from '../io.js';

/** "4 minutes from now", "Forever", "Stopping...", as Ollama's `ps` UNTIL column. */
export function until(expiresAt: string, now = new Date()): string {
  const at = new Date(expiresAt);
  if (at.getUTCFullYear() > 2200) return 'Forever';
  const s = Math.round((at.getTime() - now.getTime()) / 1000);
  if (s <= 0) return 'Stopping...';
  if (s < 60) return `${s} seconds from now`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute from now' : `${m} minutes from now`;
  const h = Math.round(m / 60);
  return h === 1 ? 'About an hour from now' : `${h} hours from now`;
}

/** "100% CPU", "100% GPU", "48%/52% CPU/GPU". */
export function processor(size: number, vram: number): string {
  if (vram <= 0) return '100% CPU';
  if (vram >= size) return '100% GPU';
  const gpu = Math.round((vram / size) * 100);
  return `${100 - gpu}%/${gpu}% CPU/GPU`;
}

export const psCommand: Command = {
  name: 'ps',
  summary: 'List running models',
  usage: 'corral ps',
  async run(args, io) {
    parseCommandArgs(args, {});
    const { models } = await clientFor(io).ps();
    const rows = models.map((m) => [
      m.name,
      m.digest.slice(0, 12),
      formatBytes(m.size),
      processor(m.size, m.size_vram),
      String(m.context_length),
      until(m.expires_at),
    ]);
    io.stdout.write(table(['NAME', 'ID', 'SIZE', 'PROCESSOR', 'CONTEXT', 'UNTIL'], rows));
  },
};
