import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainerScriptPath } from './trainer-script.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = `${root}src/finetune/python/corral_trainer.py`;

describe('trainerScriptPath', () => {
  it('finds the script beside the sources', () => {
    expect(trainerScriptPath()).toBe(script);
    expect(existsSync(script)).toBe(true);
  });

  it('finds it in the sources from the built dist/finetune/ (tsc copies no .py files)', () => {
    expect(trainerScriptPath(pathToFileURL(`${root}dist/finetune/trainer-script.js`).href)).toBe(script);
  });

  it('says where it looked when the script is missing', () => {
    expect(() => trainerScriptPath('file:///nowhere/finetune/trainer-script.js')).toThrow(
      expect.objectContaining({
        code: 'TRAINER_UNAVAILABLE',
        message: expect.stringMatching(/\/nowhere\/finetune\/python\/corral_trainer\.py/),
      }),
    );
  });
});
