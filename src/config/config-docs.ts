/** Renders the settings table as `docs/config.md` and as the environment section of `corral serve --help`. */
import { settings, type SettingKey } from './settings.js';

const KEYS = Object.keys(settings) as SettingKey[];

function defaultText(key: SettingKey): string {
  const s: { default: string | number | undefined; defaultDoc?: string } = settings[key];
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  return s.default === '' ? '(empty)' : `\`${String(s.default)}\``;
}

/** The Markdown document `docs/config.md`. */
export function renderConfigDocs(): string {
  const rows = KEYS.map(
    (key) =>
      `| \`${settings[key].env}\` | \`${settings[key].flag}\` | \`${key}\` | ${defaultText(key)} | ${settings[key].description} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs`; a test fails when it is stale. -->',
    '',
    'Precedence: defaults < config file (JSON, keys as below) < environment < `corral serve` flags.',
    'Invalid values are all reported together and Corral exits with code 2 without starting anything.',
    '',
    '| Environment | Flag | Config file key | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** The environment section of `corral serve --help`. */
export function renderEnvHelp(): string {
  const width = Math.max(...KEYS.map((k) => settings[k].env.length));
  return [
    'Environment variables:',
    ...KEYS.map(
      (key) =>
        `  ${settings[key].env.padEnd(width)}  ${settings[key].description} (default ${defaultText(key).replaceAll('`', '')})`,
    ),
  ].join('\n');
}

/** The flags section of `corral serve --help`. */
export function renderFlagHelp(): string {
  const width = Math.max(...KEYS.map((k) => settings[k].flag.length)) + 8;
  return [
    'Flags:',
    ...KEYS.map((key) => `  ${`${settings[key].flag} <value>`.padEnd(width)}  ${settings[key].description}`),
  ].join('\n');
}
