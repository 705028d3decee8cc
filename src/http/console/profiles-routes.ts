/**
 * `/api/profiles`: saved presets of a model with a system prompt, options and keep_alive. A profile is usable as
 * a model name in every inference route (`profile:<name>`, see `db/profile-catalog.ts`); `start` loads its model
 * with its options and keeps it loaded for its keep_alive.
 */
import { Hono } from 'hono';
import { createProfileRequestSchema, type ProfileInfo, updateProfileRequestSchema } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import {
  PROFILE_PREFIX,
  profileOptions,
  profileSettings,
  type ProfileRecord,
  type ProfileRepository,
} from '../../db/index.js';
import type { ModelStore } from '../../store/index.js';
import type { AppDeps } from '../app-deps.js';
import { principalOf } from '../auth-context.js';
import { keepAliveMs } from '../ollama/translate.js';
import { parseBody } from '../parse-body.js';

/** The wire form of a stored profile. */
export function profileInfo(p: ProfileRecord): ProfileInfo {
  const { options, keepAlive } = profileSettings(p);
  return {
    name: p.name,
    model: p.model,
    system: p.system,
    options,
    keep_alive: keepAlive,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** The stored model's full display name, or `MODEL_NOT_FOUND`. */
async function existingModel(store: ModelStore, model: string): Promise<string> {
  const stored = await store.get(model);
  if (stored === undefined) {
    throw new AppError('MODEL_NOT_FOUND', `model "${model}" not found, try pulling it first`, {
      details: { model },
    });
  }
  return stored.name.display;
}

async function requireProfile(profiles: ProfileRepository, name: string): Promise<ProfileRecord> {
  const profile = await profiles.getByName(name);
  if (profile === undefined) throw new AppError('RESOURCE_NOT_FOUND', `no profile named "${name}"`);
  return profile;
}

export function profilesRoutes({ auth, store, inference }: AppDeps): Hono {
  const app = new Hono();
  const { profiles } = auth.db;

  app.get('/api/profiles', async (c) => c.json({ profiles: (await profiles.list()).map(profileInfo) }));

  app.post('/api/profiles', async (c) => {
    const req = await parseBody(c, createProfileRequestSchema);
    keepAliveMs(req.keep_alive ?? undefined); // a malformed duration is a 400 now, not at every use
    const created = await profiles.create({
      name: req.name,
      model: await existingModel(store, req.model),
      system: req.system ?? null,
      options: profileOptions(req.options ?? {}, req.keep_alive ?? null),
      createdBy: principalOf(c).userId ?? null,
    });
    return c.json(profileInfo(created), 201);
  });

  app.patch('/api/profiles/:name', async (c) => {
    const req = await parseBody(c, updateProfileRequestSchema);
    const current = await requireProfile(profiles, c.req.param('name'));
    keepAliveMs(req.keep_alive ?? undefined);
    const settings = profileSettings(current);
    const optionsChanged = req.options !== undefined || req.keep_alive !== undefined;
    const updated = await profiles.update(current.id, {
      name: req.name,
      model: req.model === undefined ? undefined : await existingModel(store, req.model),
      system: req.system,
      options: optionsChanged
        ? profileOptions(
            req.options ?? settings.options,
            req.keep_alive === undefined ? settings.keepAlive : req.keep_alive,
          )
        : undefined,
    });
    if (updated === undefined) throw new AppError('RESOURCE_NOT_FOUND', `no profile named "${current.name}"`);
    return c.json(profileInfo(updated));
  });

  app.delete('/api/profiles/:name', async (c) => {
    const profile = await requireProfile(profiles, c.req.param('name'));
    await profiles.delete(profile.id);
    return c.json({ status: 'success' });
  });

  app.post('/api/profiles/:name/start', async (c) => {
    const profile = await requireProfile(profiles, c.req.param('name'));
    await inference.load(`${PROFILE_PREFIX}${profile.name}`, undefined, {});
    return c.json({ status: 'success' });
  });

  return app;
}
