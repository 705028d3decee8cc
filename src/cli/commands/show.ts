import type { ShowResponse } from '../../api/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, print, UsageError } from '../io.js';

const ONLY = ['modelfile', 'parameters', 'template', 'system', 'license'] as const;

/** Parameter count in Ollama's short form: 1.2M, 7.6B. */
export function formatParams(n: number): string {
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units)
    if (n >= size) return `${(n / size).toFixed(n / size >= 100 ? 0 : 1)}${unit}`;
  return String(n);
}

function section(title: string, rows: Array<[string, string]>): string {
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map(([k]) => k.length)) + 4;
  return [`  ${title}`, ...rows.map(([k, v]) => `    ${k.padEnd(width)}${v}`.trimEnd()), '', ''].join('\n');
}

function textSection(title: string, text: string | undefined): string {
  if (text === undefined || text.trim() === '') return '';
  return [
    `  ${title}`,
    ...text
      .trim()
      .split('\n')
      .map((l) => `    ${l}`),
    '',
    '',
  ].join('\n');
}

/** The default `corral show` report, as Ollama's CLI prints it. */
export function renderShow(res: ShowResponse): string {
  const info = res.model_info;
  const arch =
    typeof info['general.architecture'] === 'string' ? info['general.architecture'] : res.details.family;
  const num = (key: string) => (typeof info[key] === 'number' ? String(info[key]) : undefined);
  const params =
    typeof info['general.parameter_count'] === 'number'
      ? formatParams(info['general.parameter_count'])
      : undefined;
  const model: Array<[string, string | undefined]> = [
    ['architecture', arch],
    ['parameters', params ?? res.details.parameter_size],
    ['context length', num(`${arch}.context_length`)],
    ['embedding length', num(`${arch}.embedding_length`)],
    ['quantization', res.details.quantization_level],
  ];
  const parameters = (res.parameters ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l): [string, string] => {
      const [key = '', ...rest] = l.trim().split(/\s+/);
      return [key, rest.join(' ')];
    });
  return (
    '\n' +
    section(
      'Model',
      model.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== ''),
    ) +
    section(
      'Capabilities',
      res.capabilities.map((c) => [c, '']),
    ) +
    section('Parameters', parameters) +
    textSection('System', res.system) +
    textSection('License', res.license)
  );
}

export const showCommand: Command = {
  name: 'show',
  summary: 'Show information for a model',
  usage: 'corral show MODEL [--modelfile | --parameters | --template | --system | --license] [--verbose]',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      modelfile: { type: 'boolean' },
      parameters: { type: 'boolean' },
      template: { type: 'boolean' },
      system: { type: 'boolean' },
      license: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
    });
    const [model] = positionals;
    if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL');
    const picked = ONLY.filter((flag) => values[flag] === true);
    if (picked.length > 1) throw new UsageError(`only one of --${picked.join(', --')} may be given`);
    const res = await clientFor(io).show({ model, verbose: values.verbose === true });
    const only = picked[0];
    if (only === undefined) {
      io.stdout.write(renderShow(res));
      return;
    }
    const text = only === 'modelfile' ? res.modelfile : res[only];
    if (text === undefined || text === '') throw new UsageError(`model "${model}" has no ${only}`);
    print(io.stdout, text);
  },
};
