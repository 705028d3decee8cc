import { text } from 'node:stream/consumers';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { interactiveChat } from '../interactive-chat.js';
import { clientFor, UsageError } from '../io.js';
import { startSpinner } from '../spinner.js';
import { renderStats } from '../verbose-stats.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a model',
  usage: 'corral run MODEL [PROMPT] [--format json] [--verbose] [--keepalive DURATION]',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      format: { type: 'string' },
      verbose: { type: 'boolean' },
      keepalive: { type: 'string' },
    });
    const [model, ...words] = positionals;
    if (model === undefined) throw new UsageError('expected a MODEL');
    if (values.format !== undefined && values.format !== 'json')
      throw new UsageError('--format must be json');
    const format = values.format === 'json' ? ('json' as const) : undefined;
    const client = clientFor(io);
    const keepAlive = values.keepalive;

    // Piped input is the prompt: `echo hi | corral run tiny`.
    let prompt = words.join(' ');
    if (io.stdin.isTTY !== true && prompt === '') prompt = (await text(io.stdin)).trimEnd();

    const spinner = startSpinner(io.stderr);
    try {
      // An empty chat loads the model (and fails early for an unknown one), as Ollama's run does.
      await client.chat({ model, messages: [], keep_alive: keepAlive, stream: false });
    } finally {
      spinner.stop();
    }

    if (prompt === '') {
      await interactiveChat(io, client, { model, format, verbose: values.verbose === true, keepAlive });
      return;
    }
    const final = await client.chat(
      { model, messages: [{ role: 'user', content: prompt }], format, keep_alive: keepAlive, stream: true },
      { onProgress: (part) => io.stdout.write(part.message.content) },
    );
    io.stdout.write('\n');
    if (values.verbose === true) io.stderr.write(renderStats(final));
  },
};
