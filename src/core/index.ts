export * from './errors.js';
export * from './logger.js';
export * from './runner.js';
export * from './error-docs.js';
export * from './model-name.js';
export * from './manifest.js';
export * from './inference-types.js';
export * from './scheduler/index.js';
