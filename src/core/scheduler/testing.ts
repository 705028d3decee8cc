/**
 * Test doubles for the scheduler's ports, for tests in any folder (HTTP routes, inference flow). Not exported from
 * `src/core/index.ts`: production code never needs them.
 */
export { FakeRunner, type FakeGeneration } from './fake-runner.js';
export { FakeRunnerFactory } from './fake-runner-factory.js';
export { FakeClock, flushPromises, promiseState } from './fake-clock.js';
export { FakeMemory } from './fake-memory.js';
export { createTestScheduler, modelRequest, type TestScheduler } from './test-scheduler.js';
