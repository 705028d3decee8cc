/** `pull` and `push`: one model name, an `--insecure` switch, and Ollama's progress lines rendered as bars. */
import type { Client, ProgressResponse } from '../../api/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, UsageError } from '../io.js';
import { ProgressPrinter } from '../progress.js';

type Transfer = (
  client: Client,
  request: { model: string; insecure: boolean | undefined },
  onProgress: (p: ProgressResponse) => void,
) => Promise<unknown>;

export function transferCommand(
  spec: Pick<Command, 'name' | 'summary' | 'usage'>,
  transfer: Transfer,
): Command {
  return {
    ...spec,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, { insecure: { type: 'boolean' } });
      const [model] = positionals;
      if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL name');
      const progress = new ProgressPrinter(io.stdout);
      try {
        await transfer(clientFor(io), { model, insecure: values.insecure }, (p) => progress.update(p));
      } finally {
        progress.finishLine();
      }
    },
  };
}
