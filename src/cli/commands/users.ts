import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table, timeAgo } from '../format.js';
import { clientFor, print, readSecret, UsageError } from '../io.js';

export const usersCommand: Command = {
  name: 'users',
  summary: 'Manage users of the web console and CLI logins (admin)',
  usage: [
    'corral users create NAME --role ROLE [--no-password]',
    '  corral users list',
    '  corral users passwd NAME',
    '  corral users role NAME ROLE',
    '  corral users disable|enable NAME',
    '  corral users rm NAME',
    '',
    'Passwords are asked for, or read from standard input when it is not a terminal.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      role: { type: 'string' },
      'no-password': { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
    });
    const [action, name, extra] = positionals;
    const client = clientFor(io);
    const done = (what: string) => print(io.stdout, `${what}.`);
    if (action === 'list' && name === undefined) {
      const { users } = await client.users();
      const rows = users.map((u) => [
        u.name,
        u.role,
        u.disabled ? 'disabled' : 'active',
        timeAgo(new Date(u.created_at)),
      ]);
      io.stdout.write(table(['NAME', 'ROLE', 'STATUS', 'CREATED'], rows));
      return;
    }
    if (name === undefined) throw new UsageError('expected an action and a user name');
    if (action === 'create') {
      if (values.role === undefined) throw new UsageError('--role is required');
      const password = values['no-password'] === true ? undefined : await readSecret(io, 'Password: ');
      await client.createUser({ name, role: values.role as 'user', password });
      done(`Created user ${name} (${values.role})`);
    } else if (action === 'passwd') {
      await client.updateUser(name, { password: await readSecret(io, 'New password: ') });
      done(`Changed the password of ${name}`);
    } else if (action === 'role' && extra !== undefined) {
      await client.updateUser(name, { role: extra as 'user' });
      done(`${name} is now ${extra}`);
    } else if (action === 'disable' || action === 'enable') {
      await client.updateUser(name, { disabled: action === 'disable' });
      done(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${name}`);
    } else if (action === 'rm') {
      await client.deleteUser(name);
      done(`Deleted user ${name}`);
    } else {
      throw new UsageError(`unknown users action "${action}"`);
    }
  },
};
