import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { credentialsPath, saveKey } from '../credentials.js';
import { clientFor, print, readSecret, serverUrl, UsageError } from '../io.js';

export const loginCommand: Command = {
  name: 'login',
  summary: 'Sign in to a server and save an API key for the CLI',
  usage: 'corral login NAME [--password-stdin]\n\nThe password is asked for, or read from standard input.',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, { 'password-stdin': { type: 'boolean' } });
    const [name] = positionals;
    if (name === undefined || positionals.length > 1) throw new UsageError('give exactly one user name');
    const password = await readSecret(io, 'Password: ');
    const keyName = `cli ${hostname()} ${new Date().toISOString()}`.slice(0, 64);
    const issued = await clientFor(io, { anonymous: true }).login({
      name,
      password,
      kind: 'key',
      key_name: keyName,
    });
    if (!('key' in issued)) throw new Error('the server answered a login for a key without one');
    saveKey(credentialsPath(io.env), serverUrl(io), { key: issued.key, name });
    print(io.stdout, `Logged in to ${serverUrl(io)} as ${name} (${issued.role}).`);
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'Revoke the API key saved by login and forget it',
  usage: 'corral logout',
  async run(args, io) {
    parseCommandArgs(args, {});
    await clientFor(io).logout();
    saveKey(credentialsPath(io.env), serverUrl(io), undefined);
    print(io.stdout, `Logged out of ${serverUrl(io)}.`);
  },
};
