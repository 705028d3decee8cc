/**
 * Saved profiles as model aliases: a {@link ModelCatalog} decorator that answers `profile:<name>`, and a bare name
 * no stored model has but a profile does, with the profile's model, its options under the request's own (as
 * Modelfile PARAMETERs are), its system prompt unless the request brings one, and its keep_alive unless the
 * request sets one. Real models keep their names: a model and a profile of the same name resolve to the model.
 */
import { AppError, type ModelCatalog, type ResolvedModel } from '../core/index.js';
import { parseDuration } from '../lib/index.js';
import type { ProfileRecord, ProfileRepository } from './profile-repository.js';

/** The prefix that always means a profile. */
export const PROFILE_PREFIX = 'profile:';

/** Profiles keep `keep_alive` inside their options JSON under this key (it is no runtime option). */
const KEEP_ALIVE = 'keep_alive';

/** A profile's runtime options and keep_alive, apart. */
export function profileSettings(p: Pick<ProfileRecord, 'options'>): {
  options: Record<string, unknown>;
  keepAlive: string | number | null;
} {
  const { [KEEP_ALIVE]: keepAlive, ...options } = p.options;
  return {
    options,
    keepAlive: typeof keepAlive === 'string' || typeof keepAlive === 'number' ? keepAlive : null,
  };
}

/** The options JSON that stores `options` and `keepAlive` (null: none). */
export function profileOptions(
  options: Record<string, unknown>,
  keepAlive: string | number | null,
): Record<string, unknown> {
  const { [KEEP_ALIVE]: _ignored, ...rest } = options;
  return keepAlive === null ? rest : { ...rest, [KEEP_ALIVE]: keepAlive };
}

type Parameter = ResolvedModel['parameters'][string];

function isParameter(v: unknown): v is Parameter {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string');
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
}

/** The catalog `inner` plus profiles from `profiles`. */
export class ProfileModelCatalog implements ModelCatalog {
  constructor(
    private readonly inner: ModelCatalog,
    private readonly profiles: Pick<ProfileRepository, 'getByName'>,
  ) {}

  async resolve(name: string): Promise<ResolvedModel | undefined> {
    if (name.startsWith(PROFILE_PREFIX)) return this.#viaProfile(name.slice(PROFILE_PREFIX.length));
    const model = await this.inner.resolve(name);
    if (model !== undefined || name.includes('/') || name.includes(':')) return model;
    return this.#viaProfile(name);
  }

  async #viaProfile(profileName: string): Promise<ResolvedModel | undefined> {
    const profile = await this.profiles.getByName(profileName);
    if (profile === undefined) return undefined;
    const model = await this.inner.resolve(profile.model);
    if (model === undefined) {
      throw new AppError(
        'MODEL_NOT_FOUND',
        `profile "${profile.name}" uses model "${profile.model}", which is not found`,
        { details: { model: profile.model, profile: profile.name } },
      );
    }
    const { options, keepAlive } = profileSettings(profile);
    const parameters = { ...model.parameters };
    for (const [k, v] of Object.entries(options)) if (isParameter(v)) parameters[k] = v;
    return {
      ...model,
      parameters,
      system: profile.system ?? model.system,
      keepAliveMs: keepAlive === null ? model.keepAliveMs : parseDuration(keepAlive),
    };
  }
}
