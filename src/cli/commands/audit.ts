import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table } from '../format.js';
import { clientFor, print } from '../io.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Show the audit log (admin)',
  usage:
    'corral audit [--action model.delete|model.] [--actor NAME] [--outcome success|failure|denied]\n' +
    '             [--since 1h|2026-01-01T00:00:00Z] [--limit 100] [--json]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      action: { type: 'string' },
      actor: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    const { json, ...query } = values;
    const { events } = await clientFor(io).audit(query);
    if (json === true) {
      for (const e of events) print(io.stdout, JSON.stringify(e));
      return;
    }
    const rows = events.map((e) => [
      e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.actor ?? e.actor_type,
      e.action,
      e.target ?? '-',
      e.outcome,
      e.status === null ? '-' : String(e.status),
      e.ip ?? '-',
    ]);
    io.stdout.write(table(['TIME', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'STATUS', 'IP'], rows));
  },
};
