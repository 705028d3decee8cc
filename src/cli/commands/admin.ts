/**
 * `corral admin create NAME`: the first admin, written straight into the database (SQLite in CORRAL_HOME or
 * CORRAL_DATABASE_URL), so it works before any account exists and with the server stopped or running. It needs
 * the access to this machine's data that an administrator has; it prints an admin API key and saves it for the CLI.
 */
import { join } from 'node:path';
import { Accounts } from '../../auth/index.js';
import { loadConfig } from '../../config/index.js';
import { silentLogger } from '../../core/index.js';
import { openDatabase } from '../../db/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { credentialsPath, saveKey } from '../credentials.js';
import { print, readSecret, serverUrl, UsageError } from '../io.js';

export const adminCommand: Command = {
  name: 'admin',
  summary: 'Create an admin account directly in the database (first run, or lost access)',
  usage: 'corral admin create NAME\n\nThe password is asked for, or read from standard input.',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, { 'password-stdin': { type: 'boolean' } });
    const [action, name] = positionals;
    if (action !== 'create' || name === undefined || positionals.length > 2) {
      throw new UsageError('expected: create NAME');
    }
    const config = loadConfig({ env: io.env });
    const password = await readSecret(io, 'Password: ');
    const db = await openDatabase({
      url: config.databaseUrl === '' ? undefined : config.databaseUrl,
      sqlitePath: join(config.home, 'corral.db'),
      log: silentLogger,
    });
    try {
      const accounts = new Accounts(db);
      const user = await accounts.createUser({ name, role: 'admin', password });
      const issued = await accounts.createKey({
        name: `cli ${new Date().toISOString()}`,
        role: 'admin',
        userId: user.id,
      });
      await db.audit.append({
        at: new Date(),
        actorType: 'system',
        actorId: null,
        actorName: 'corral admin',
        action: 'user.create',
        target: name,
        outcome: 'success',
        status: null,
        ip: null,
        details: { role: 'admin', via: 'cli' },
      });
      saveKey(credentialsPath(io.env), serverUrl(io), { key: issued.token, name });
      print(io.stdout, issued.token);
      print(io.stderr, `Created admin ${name}; its API key is above and saved for this CLI.`);
    } finally {
      await db.close();
    }
  },
};
