export * from './assign-threads.js';
export * from './clock.js';
export * from './estimate-memory.js';
export * from './plan-load.js';
export * from './scheduler.js';
export * from './types.js';
