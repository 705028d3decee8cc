import { formatBytes } from '../../lib/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table, timeAgo } from '../format.js';
import { clientFor } from '../io.js';

export const listCommand: Command = {
  name: 'list',
  aliases: ['ls'],
  summary: 'List models',
  usage: 'corral list',
  async run(args, io) {
    parseCommandArgs(args, {});
    const { models } = await clientFor(io).list();
    const rows = models.map((m) => [
      m.name,
      m.digest.replace(/^sha256:/, '').slice(0, 12),
      formatBytes(m.size),
      timeAgo(new Date(m.modified_at)),
    ]);
    io.stdout.write(table(['NAME', 'ID', 'SIZE', 'MODIFIED'], rows));
  },
};
