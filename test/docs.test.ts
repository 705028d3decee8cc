import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from '../src/config/index.js';
import { errorCatalog, renderErrorDocs } from '../src/core/index.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('generated documentation', () => {
  it('docs/config.md matches the settings schema (run `npm run docs` after changing it)', () => {
    expect(read('docs/config.md')).toBe(renderConfigDocs());
  });

  it('docs/errors.md lists every error code with its status (run `npm run docs`)', () => {
    const doc = read('docs/errors.md');
    expect(doc).toBe(renderErrorDocs());
    for (const [code, { status }] of Object.entries(errorCatalog)) {
      expect(doc).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});
