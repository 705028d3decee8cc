import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, UsageError } from '../io.js';
import { ProgressPrinter } from '../progress.js';

export const pullCommand: Command = {
  name: 'pull',
  summary: 'Pull a model from a registry or Hugging Face',
  usage:
    'corral pull MODEL [--insecure]   (MODEL: name[:tag], host/namespace/name[:tag], hf.co/user/repo[:quant])',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { insecure: { type: 'boolean' } });
    const [model] = positionals;
    if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL name');
    const progress = new ProgressPrinter(io.stdout);
    try {
      await clientFor(io).pull(
        { model, insecure: values.insecure },
        { onProgress: (p) => progress.update(p) },
      );
    } finally {
      progress.finishLine();
    }
  },
};
