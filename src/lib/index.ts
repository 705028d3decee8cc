export * from './bytes.js';
export * from './digest.js';
export * from './duration.js';
export * from './ndjson.js';
export * from './log-ring.js';
export * from './sse.js';
export * from './loopback.js';
