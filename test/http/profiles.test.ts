/**
 * `/api/profiles`: CRUD with validation and audit, profiles as model aliases in both dialects (greedy output with
 * the profile's options equals a direct request with the same options), request options over the profile's, and
 * `start`, which loads the model for the profile's keep_alive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileInfo } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const greedy = { temperature: 0, seed: 7, num_predict: 6 };

beforeAll(async () => {
  t = await createTestApp();
  const res = await t.json('POST', '/api/create', {
    model: 'tiny',
    modelfile: `FROM ${await tinyModelPath({ eos: 'never' })}\n`,
    stream: false,
  });
  expect(res.status).toBe(200);
});
afterAll(() => t?.close());

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('profiles CRUD', () => {
  it('creates, lists, renames, changes and deletes a profile', async () => {
    const created = await t.json('POST', '/api/profiles', {
      name: 'terse',
      model: 'tiny',
      system: 'Be terse.',
      options: { temperature: 0.3, stop: ['\n'] },
      keep_alive: '10m',
    });
    expect(created.status).toBe(201);
    const info = (await created.json()) as ProfileInfo;
    expect(info).toMatchObject({
      name: 'terse',
      model: 'tiny:latest',
      system: 'Be terse.',
      options: { temperature: 0.3, stop: ['\n'] },
      keep_alive: '10m',
    });
    expect(Date.parse(info.created_at)).not.toBeNaN();

    const list = (await (await t.app.request('/api/profiles')).json()) as { profiles: ProfileInfo[] };
    expect(list.profiles.map((p) => p.name)).toContain('terse');

    const patched = await t.json('PATCH', '/api/profiles/terse', {
      name: 'brief',
      keep_alive: null,
      options: { top_k: 5 },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      name: 'brief',
      system: 'Be terse.',
      options: { top_k: 5 },
      keep_alive: null,
    });
    expect((await t.json('PATCH', '/api/profiles/brief', { system: null })).status).toBe(200);
    expect((await t.json('PATCH', '/api/profiles/terse', { system: 'x' })).status).toBe(404);

    expect((await t.json('DELETE', '/api/profiles/brief')).status).toBe(200);
    expect((await t.json('DELETE', '/api/profiles/brief')).status).toBe(404);
    const after = (await (await t.app.request('/api/profiles')).json()) as { profiles: ProfileInfo[] };
    expect(after.profiles.map((p) => p.name)).not.toContain('brief');
  });

  it.each([
    [{ name: 'a/b', model: 'tiny' }, 400, /name/],
    [{ name: '..up', model: 'tiny' }, 400, /name/],
    [{ name: 'has space', model: 'tiny' }, 400, /name/],
    [{ name: 'ok', model: 'ghost' }, 404, /ghost.*not found/],
    [{ name: 'ok', model: 'tiny', options: { temperature: 'hot' } }, 400, /options\.temperature/],
    [{ name: 'ok', model: 'tiny', keep_alive: 'soon' }, 400, /keep_alive/],
    [{ name: 'ok', model: '../../etc' }, 400, /./],
  ])('refuses %j with %i', async (body, status, message) => {
    const res = await t.json('POST', '/api/profiles', body);
    expect(res.status).toBe(status);
    expect(await errorOf(res)).toMatch(message);
  });

  it('refuses a taken name with 409 and an empty change with 400', async () => {
    expect((await t.json('POST', '/api/profiles', { name: 'dup', model: 'tiny' })).status).toBe(201);
    expect((await t.json('POST', '/api/profiles', { name: 'dup', model: 'tiny' })).status).toBe(409);
    expect((await t.json('PATCH', '/api/profiles/dup', {})).status).toBe(400);
  });

  it('audits create, update and delete with the profile name', async () => {
    await t.json('POST', '/api/profiles', { name: 'audited', model: 'tiny' });
    await t.json('PATCH', '/api/profiles/audited', { system: 'hi' });
    await t.json('DELETE', '/api/profiles/audited');
    for (const action of ['profile.create', 'profile.update', 'profile.delete']) {
      const [event] = await t.db.audit.query({ action, limit: 1 });
      expect(event).toMatchObject({ action, target: 'audited', outcome: 'success' });
    }
  });
});

describe('profiles as model aliases', () => {
  beforeAll(async () => {
    const res = await t.json('POST', '/api/profiles', {
      name: 'greedy',
      model: 'tiny',
      system: 'You are a parrot.',
      options: greedy,
    });
    expect(res.status).toBe(201);
  });

  const generate = async (body: object) => {
    const res = await t.json('POST', '/api/generate', { prompt: 'hello there', stream: false, ...body });
    expect(res.status).toBe(200);
    return (await res.json()) as { response: string; eval_count: number; model: string };
  };

  it('/api/generate with profile:<name> and the bare name equals a direct request with the same settings', async () => {
    const direct = await generate({ model: 'tiny', system: 'You are a parrot.', options: greedy });
    const viaPrefix = await generate({ model: 'profile:greedy' });
    const viaName = await generate({ model: 'greedy' });
    expect(direct.eval_count).toBe(6);
    expect(viaPrefix.response).toBe(direct.response);
    expect(viaName.response).toBe(direct.response);
    expect(viaPrefix.model).toBe('profile:greedy');
  });

  it("puts the request's options over the profile's", async () => {
    const out = await generate({ model: 'profile:greedy', options: { num_predict: 2 } });
    expect(out.eval_count).toBe(2);
  });

  it('/v1/chat/completions with a profile equals the direct request', async () => {
    const chat = async (body: object) => {
      const res = await t.json('POST', '/v1/chat/completions', body);
      expect(res.status).toBe(200);
      return (await res.json()) as { choices: Array<{ message: { content: string } }> };
    };
    const user = { role: 'user', content: 'hello there' };
    const direct = await chat({
      model: 'tiny',
      messages: [{ role: 'system', content: 'You are a parrot.' }, user],
      temperature: 0,
      seed: 7,
      max_tokens: 6,
    });
    const viaProfile = await chat({ model: 'profile:greedy', messages: [user] });
    expect(viaProfile.choices[0]?.message.content).toBe(direct.choices[0]?.message.content);
  });

  it('answers MODEL_NOT_FOUND for an unknown profile, and for a profile whose model is gone', async () => {
    const res = await t.json('POST', '/api/generate', { model: 'profile:nope', prompt: 'x', stream: false });
    expect(res.status).toBe(404);
    await t.json('POST', '/api/copy', { source: 'tiny', destination: 'tiny-copy' });
    await t.json('POST', '/api/profiles', { name: 'orphan', model: 'tiny-copy' });
    await t.json('DELETE', '/api/delete', { model: 'tiny-copy' });
    const gone = await t.json('POST', '/api/generate', { model: 'orphan', prompt: 'x', stream: false });
    expect(gone.status).toBe(404);
    expect(await errorOf(gone)).toMatch(/profile "orphan" uses model "tiny-copy:latest"/);
  });

  it('start loads the model and keeps it for the profile keep_alive', async () => {
    await t.json('POST', '/api/profiles', { name: 'warm', model: 'tiny', keep_alive: '2h' });
    const before = Date.now();
    const res = await t.json('POST', '/api/profiles/warm/start', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success' });
    const ps = (await (await t.app.request('/api/ps')).json()) as {
      models: Array<{ name: string; expires_at: string }>;
    };
    const tiny = ps.models.find((m) => m.name === 'tiny:latest');
    expect(tiny).toBeDefined();
    const expires = Date.parse(tiny!.expires_at);
    expect(expires).toBeGreaterThan(before + 110 * 60_000);
    expect(expires).toBeLessThan(Date.now() + 121 * 60_000);
    expect((await t.json('POST', '/api/profiles/nobody/start', {})).status).toBe(404);
  });
});
