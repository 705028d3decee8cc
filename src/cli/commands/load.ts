import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { formatDuration } from '../../lib/index.js';
import { clientFor, print, UsageError } from '../io.js';

function oneModel(args: string[], extra: Parameters<typeof parseCommandArgs>[1] = {}) {
  const parsed = parseCommandArgs(args, extra);
  const [model] = parsed.positionals;
  if (model === undefined || parsed.positionals.length > 1) throw new UsageError('expected one MODEL');
  return { model, values: parsed.values };
}

async function load(
  io: Parameters<Command['run']>[1],
  model: string,
  keepAlive: string | number | undefined,
) {
  const res = await clientFor(io).load({ model, keep_alive: keepAlive });
  const until = res.expires_at === null ? 'pinned: stays loaded until unloaded' : `until ${res.expires_at}`;
  print(io.stdout, `Loaded ${res.model} in ${formatDuration(res.load_duration / 1e6)} (${until}).`);
}

export const loadCommand: Command = {
  name: 'load',
  summary: 'Load a model now and keep it loaded for a while',
  usage: 'corral load MODEL [--keep-alive 30m]',
  async run(args, io) {
    const { model, values } = oneModel(args, { 'keep-alive': { type: 'string' } });
    const keepAlive = values['keep-alive'];
    await load(io, model, typeof keepAlive === 'string' ? keepAlive : undefined);
  },
};

export const pinCommand: Command = {
  name: 'pin',
  summary: 'Load a model and keep it loaded: never expired, never evicted for another model',
  usage: 'corral pin MODEL',
  async run(args, io) {
    await load(io, oneModel(args).model, -1);
  },
};

export const unloadCommand: Command = {
  name: 'unload',
  summary: 'Unload a model now (also unpins it)',
  usage: 'corral unload MODEL',
  async run(args, io) {
    const { model } = oneModel(args);
    await clientFor(io).unload({ model });
    print(io.stdout, `Unloaded ${model}.`);
  },
};
