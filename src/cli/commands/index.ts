/** Every CLI command, in the order `corral --help` lists them. */
import type { Command } from '../command.js';
import { adminCommand } from './admin.js';
import { auditCommand } from './audit.js';
import { cpCommand } from './cp.js';
import { finetuneCommand } from './finetune.js';
import { clusterCommand } from './cluster.js';
import { gatewayCommand } from './gateway.js';
import { keysCommand } from './keys.js';
import { loginCommand, logoutCommand } from './login.js';
import { usersCommand } from './users.js';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { loadCommand, pinCommand, unloadCommand } from './load.js';
import { psCommand } from './ps.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';
import { rmCommand } from './rm.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { showCommand } from './show.js';
import { stopCommand } from './stop.js';

export const commands: Command[] = [
  serveCommand,
  gatewayCommand,
  clusterCommand,
  createCommand,
  showCommand,
  runCommand,
  stopCommand,
  loadCommand,
  pinCommand,
  unloadCommand,
  pullCommand,
  pushCommand,
  listCommand,
  psCommand,
  cpCommand,
  rmCommand,
  finetuneCommand,
  loginCommand,
  logoutCommand,
  keysCommand,
  usersCommand,
  auditCommand,
  adminCommand,
];

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}
