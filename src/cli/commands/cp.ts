import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, print, UsageError } from '../io.js';

export const cpCommand: Command = {
  name: 'cp',
  summary: 'Copy a model',
  usage: 'corral cp SOURCE DESTINATION',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {});
    const [source, destination] = positionals;
    if (source === undefined || destination === undefined || positionals.length > 2) {
      throw new UsageError('expected SOURCE and DESTINATION');
    }
    await clientFor(io).copy({ source, destination });
    print(io.stdout, `copied '${source}' to '${destination}'`);
  },
};
