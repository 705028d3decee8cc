import { startGateway } from '../../cluster/index.js';
import { renderEnvHelp, renderFlagHelp } from '../../config/index.js';
import { createLogger } from '../../logger.js';
import { VERSION } from '../../version.js';
import type { Command } from '../command.js';
import { print } from '../io.js';
import { configFromArgs } from './serve.js';

export const gatewayCommand: Command = {
  name: 'gateway',
  summary: 'Start a cluster gateway: the public APIs, routed to the nodes in CORRAL_DATABASE_URL',
  usage: `corral gateway [flags]\n\nTakes the settings of \`corral serve\` (host, auth, database, heartbeat interval).\n\n${renderFlagHelp()}\n\n${renderEnvHelp()}`,
  async run(args, io) {
    const config = configFromArgs(args, io);
    const log = createLogger(config);
    const gateway = await startGateway(config, log, VERSION);
    print(io.stderr, `Corral gateway is listening on ${gateway.url}`);
    await new Promise<void>((resolve) => {
      if (io.interrupted.aborted) resolve();
      else io.interrupted.addEventListener('abort', () => resolve(), { once: true });
    });
    await gateway.close();
    log.flush();
  },
};
