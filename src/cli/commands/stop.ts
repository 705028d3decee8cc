import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, UsageError } from '../io.js';

export const stopCommand: Command = {
  name: 'stop',
  summary: 'Stop a running model',
  usage: 'corral stop MODEL',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {});
    const [model] = positionals;
    if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL');
    // Ollama's way to unload at once: an empty generate request with keep_alive 0.
    await clientFor(io).generate({ model, keep_alive: 0, stream: false });
  },
};
