export * from './inference-service.js';
export * from './merge-options.js';
export * from './model-catalog.js';
export * from './forced-tool-call.js';
export * from './inference-observer.js';
export * from './request-registry.js';
