/** Pushing models to registries that accept pushes. */
export { ModelPusher, type ModelPusherOptions, type PushOptions } from './model-pusher.js';
