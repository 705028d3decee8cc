export * from './config-docs.js';
export * from './load-config.js';
export * from './settings.js';
