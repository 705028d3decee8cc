import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, UsageError } from '../io.js';
import { ProgressPrinter } from '../progress.js';

export const pushCommand: Command = {
  name: 'push',
  summary: 'Push a model to a registry',
  usage: 'corral push MODEL [--insecure]   (MODEL: host/namespace/name[:tag])',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { insecure: { type: 'boolean' } });
    const [model] = positionals;
    if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL name');
    const progress = new ProgressPrinter(io.stdout);
    try {
      await clientFor(io).push(
        { model, insecure: values.insecure },
        { onProgress: (p) => progress.update(p) },
      );
    } finally {
      progress.finishLine();
    }
  },
};
