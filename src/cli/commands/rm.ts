import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, print, UsageError } from '../io.js';

export const rmCommand: Command = {
  name: 'rm',
  summary: 'Remove one or more models',
  usage: 'corral rm MODEL [MODEL...]',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {});
    if (positionals.length === 0) throw new UsageError('expected at least one MODEL');
    const client = clientFor(io);
    for (const model of positionals) {
      await client.delete({ model });
      print(io.stdout, `deleted '${model}'`);
    }
  },
};
