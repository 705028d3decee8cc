import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { expandPath } from './create-sources.js';

describe('expandPath', () => {
  const rows: Array<[string, string, string]> = [
    ['./model.gguf', '/base/dir', '/base/dir/model.gguf'],
    ['model.gguf', '/base/dir', '/base/dir/model.gguf'],
    ['../up/model.gguf', '/base/dir', '/base/up/model.gguf'],
    ['/abs/model.gguf', '/base/dir', '/abs/model.gguf'],
    ['/abs/../x.gguf', '/base/dir', '/x.gguf'],
    ['~/models/x.gguf', '/base/dir', `${homedir()}/models/x.gguf`],
    ['~', '/base/dir', homedir()],
    ['~other/x.gguf', '/base/dir', '/base/dir/~other/x.gguf'],
  ];
  it.each(rows)('%s from %s → %s', (value, base, want) => expect(expandPath(value, base)).toBe(want));
});
