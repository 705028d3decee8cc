/**
 * The engine, as the server sees it: a `RunnerFactory` that runs each model in its own process. Nothing here loads
 * node-llama-cpp; only the runner child (`runner-child.ts` → `llama-cpp/`) does.
 */
export { createProcessRunnerFactory, type ProcessRunnerDeps } from './process-runner.js';
export { runnerEntry, type RunnerEntry } from './runner-entry.js';
export { PROTOCOL_VERSION } from './protocol.js';
export { SystemMemory, type SystemMemoryOptions } from './system-memory.js';
export {
  pickThreads,
  readCalibration,
  sizeClassOf,
  type CalibrationData,
  type ThreadSpeeds,
} from './thread-calibration.js';
