import { describe, expect, it } from 'vitest';
import { isAppError, type ModelCatalog, type ResolvedModel } from '../core/index.js';
import { ProfileModelCatalog, profileOptions, profileSettings } from './profile-catalog.js';
import type { ProfileRecord } from './profile-repository.js';

const model = (name: string): ResolvedModel => ({
  key: `sha256:${name}`,
  name,
  modelPath: `/m/${name}`,
  adapters: [],
  parameters: { temperature: 0.8, stop: ['</s>'] },
  template: undefined,
  system: 'Modelfile system.',
  messages: [],
  trainedContextLength: 2048,
  memory: { weightsBytes: 1, nLayer: 1, nEmbd: 1, nHead: 1, nHeadKv: 1, kvBytesPerElement: 2, vocabSize: 1 },
  embeddingOnly: false,
});
const models: ModelCatalog = {
  resolve: (name) => Promise.resolve(['base', 'shadow'].includes(name) ? model(name) : undefined),
};
const profile = (name: string, p: Partial<ProfileRecord>): ProfileRecord => ({
  id: name,
  name,
  model: 'base',
  system: null,
  options: {},
  createdBy: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...p,
});
const profiles = new Map([
  [
    'coder',
    profile('coder', { system: 'Write code.', options: profileOptions({ temperature: 0, top_k: 3 }, '1h') }),
  ],
  ['shadow', profile('shadow', { system: 'never used' })],
  ['orphan', profile('orphan', { model: 'gone' })],
]);
const catalog = new ProfileModelCatalog(models, { getByName: (n) => Promise.resolve(profiles.get(n)) });

describe('ProfileModelCatalog', () => {
  it('resolves profile:<name> and the bare name to the model with the profile on top', async () => {
    for (const name of ['profile:coder', 'coder']) {
      expect(await catalog.resolve(name)).toEqual({
        ...model('base'),
        parameters: { temperature: 0, top_k: 3, stop: ['</s>'] },
        system: 'Write code.',
        keepAliveMs: 3_600_000,
      });
    }
  });

  it('keeps real models first, and answers undefined for unknown names', async () => {
    expect(await catalog.resolve('shadow')).toEqual(model('shadow'));
    expect((await catalog.resolve('profile:shadow'))?.system).toBe('never used'); // the prefix always means a profile
    expect(await catalog.resolve('nobody')).toBeUndefined();
    expect(await catalog.resolve('profile:nobody')).toBeUndefined();
    expect(await catalog.resolve('ns/nobody:tag')).toBeUndefined();
  });

  it('says which model a profile misses', async () => {
    const err = await catalog.resolve('orphan').catch((e: unknown) => e);
    expect(isAppError(err, 'MODEL_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(/profile "orphan" uses model "gone"/);
  });

  it('stores keep_alive beside the options and splits it back out', () => {
    expect(profileOptions({ top_k: 1, keep_alive: 'x' }, null)).toEqual({ top_k: 1 });
    expect(profileSettings({ options: profileOptions({ top_k: 1 }, 30) })).toEqual({
      options: { top_k: 1 },
      keepAlive: 30,
    });
  });
});
