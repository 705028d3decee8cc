export * from './api-error.js';
export * from './admin.js';
export * from './console.js';
export * from './client.js';
export * from './ollama-models.js';
export * from './ollama-inference.js';
export * from './openai.js';
