import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.js';
import { toModel, toModelList } from './translate-models.js';

const modifiedAt = new Date('2025-01-02T03:04:05.999Z');

describe('toModel', () => {
  it.each([
    ['llama3.2:latest', 'library'],
    ['llama3.2', 'library'],
    ['someone/tiny:q4', 'someone'],
    ['registry.example.com:5000/team/m:v1', 'team'],
  ])('%s is owned by %s', (name, owner) => {
    expect(toModel({ name, modifiedAt })).toStrictEqual({
      id: name,
      object: 'model',
      created: 1735787045,
      owned_by: owner,
    });
  });

  it('refuses an invalid name', () => {
    expect(() => toModel({ name: '../etc', modifiedAt })).toThrow(AppError);
  });
});

describe('toModelList', () => {
  it('lists every model in order', () => {
    expect(
      toModelList([
        { name: 'a:latest', modifiedAt },
        { name: 'x/b:1', modifiedAt: new Date(0) },
      ]),
    ).toStrictEqual({
      object: 'list',
      data: [
        { id: 'a:latest', object: 'model', created: 1735787045, owned_by: 'library' },
        { id: 'x/b:1', object: 'model', created: 0, owned_by: 'x' },
      ],
    });
  });

  it('renders an empty list', () => {
    expect(toModelList([])).toStrictEqual({ object: 'list', data: [] });
  });
});
