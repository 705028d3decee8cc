import {
  loadConfig,
  renderEnvHelp,
  renderFlagHelp,
  settings,
  type Config,
  type SettingKey,
} from '../../config/index.js';
import { startServer } from '../../server.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { print, UsageError, type CliIo } from '../io.js';

const KEYS = Object.keys(settings) as SettingKey[];
const isSwitch = (k: SettingKey) => (settings[k] as { boolean?: true }).boolean === true;
const FLAG_OPTIONS = Object.fromEntries(
  KEYS.map((k) => [
    settings[k].flag.slice(2),
    { type: isSwitch(k) ? ('boolean' as const) : ('string' as const) },
  ]),
);

/** The configuration from the environment and `serve`-style flags (`corral gateway` takes the same). */
export function configFromArgs(args: string[], io: CliIo): Config {
  const { values, positionals } = parseCommandArgs(args, FLAG_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const flags: Partial<Record<SettingKey, string>> = {};
  for (const key of KEYS) {
    const value = values[settings[key].flag.slice(2)];
    if (typeof value === 'string') flags[key] = value;
    else if (value === true) flags[key] = 'true';
  }
  return loadConfig({ env: io.env, flags });
}

export const serveCommand: Command = {
  name: 'serve',
  aliases: ['start'],
  summary: 'Start the Corral server and web console',
  usage: `corral serve [flags]\n\n${renderFlagHelp()}\n\n${renderEnvHelp()}`,
  async run(args, io) {
    const config = configFromArgs(args, io);
    const server = await startServer(config);
    print(io.stderr, `Corral is listening on ${server.url}`);
    if (server.bootstrapToken !== undefined) {
      print(
        io.stderr,
        `No accounts yet. Create the first admin with \`corral admin create NAME\`, or in the console with the ` +
          `one-time token ${server.bootstrapToken}`,
      );
    }
    // SIGHUP re-reads a renewed certificate; a broken new pair keeps the old one serving.
    const reload = () => {
      try {
        server.reloadTls();
        print(io.stderr, 'TLS certificate reloaded');
      } catch (err) {
        print(io.stderr, `Error: ${(err as Error).message} (the previous certificate stays in use)`);
      }
    };
    if (config.tlsCert !== '') process.on('SIGHUP', reload);
    await new Promise<void>((resolve) => {
      if (io.interrupted.aborted) resolve();
      else io.interrupted.addEventListener('abort', () => resolve(), { once: true });
    });
    process.off('SIGHUP', reload);
    await server.close();
  },
};
