/**
 * The production `RunnerFactory`: each runner is a child process (`runner-child.ts`) that loads one model with
 * node-llama-cpp, so a native crash, an out-of-memory kill or a hang takes down that runner only (DESIGN.md §1).
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import {
  AppError,
  type Logger,
  type Runner,
  type RunnerFactory,
  type RunnerLoadSpec,
} from '../core/index.js';
import { ForkedRunner } from './forked-runner.js';
import { runnerEntry, type RunnerEntry } from './runner-entry.js';
import {
  missingThreadCounts,
  readCalibration,
  recordCalibration,
  sizeClassOf,
} from './thread-calibration.js';

/** What the factory needs; every limit has a default. */
export interface ProcessRunnerDeps {
  log: Logger;
  /** Longest a fresh process may take to say hello (default 30 s: a cold tsx start on a busy machine is slow). */
  handshakeTimeoutMs?: number;
  /** Longest the model load (and a first thread calibration) may take (default 5 min). */
  loadTimeoutMs?: number;
  /** A runner with requests outstanding that leaves a ping unanswered this long is killed (default 30 s). */
  hangTimeoutMs?: number;
  /** Ping period while requests are outstanding (default 2 s). */
  pingIntervalMs?: number;
  /** How long `close()` waits for a graceful exit before SIGKILL (default 5 s). */
  shutdownGraceMs?: number;
  /** Thread calibration file (e.g. `$CORRAL_HOME/calibration.json`); absent: no calibration, `spec.threads` used. */
  calibrationFile?: string;
  /** Cores thread calibration may try up to (default: the machine's). */
  cores?: number;
  /** The child entry to fork (default: `runner-child` beside this module); tests fork fake runners. */
  entry?: RunnerEntry;
  /** Environment of runner processes (default: the server's). */
  env?: NodeJS.ProcessEnv;
}

/** A factory that forks one runner process per `spec`, loads the model and resolves when it is ready. */
export function createProcessRunnerFactory(deps: ProcessRunnerDeps): RunnerFactory {
  const options = {
    log: deps.log,
    entry: deps.entry ?? runnerEntry(),
    handshakeTimeoutMs: deps.handshakeTimeoutMs ?? 30_000,
    loadTimeoutMs: deps.loadTimeoutMs ?? 300_000,
    hangTimeoutMs: deps.hangTimeoutMs ?? 30_000,
    pingIntervalMs: deps.pingIntervalMs ?? 2_000,
    shutdownGraceMs: deps.shutdownGraceMs ?? 5_000,
    ...(deps.env && { env: deps.env }),
  };
  return async (spec: RunnerLoadSpec, signal?: AbortSignal): Promise<Runner> => {
    if (signal?.aborted) throw new AppError('CANCELLED', 'model load cancelled');
    const calibration = await planCalibration(deps, spec);
    const runner = new ForkedRunner(options, spec.modelPath);
    try {
      const speeds = await runner.start(
        spec,
        calibration && { measure: calibration.measure, known: calibration.known },
        signal,
      );
      if (calibration && deps.calibrationFile && calibration.measure.length > 0) {
        deps.log.info({ sizeClass: calibration.sizeClass, speeds }, 'thread calibration measured');
        await recordCalibration(deps.calibrationFile, calibration.sizeClass, speeds).catch((err: unknown) =>
          deps.log.warn({ err, file: deps.calibrationFile }, 'thread calibration not saved'),
        );
      }
      deps.log.info({ model: spec.modelPath, pid: runner.pid, ...runner.info }, 'runner loaded');
      return runner;
    } catch (err) {
      await runner.close();
      throw err;
    }
  };
}

/** Which thread counts this model's size class still needs measured, and what is known; undefined: no calibration. */
async function planCalibration(deps: ProcessRunnerDeps, spec: RunnerLoadSpec) {
  if (!deps.calibrationFile) return undefined;
  const bytes = await stat(spec.modelPath).then(
    (s) => s.size,
    () => undefined, // missing file: the runner reports it with a clear error; nothing to calibrate
  );
  if (bytes === undefined) return undefined;
  const sizeClass = sizeClassOf(bytes, spec.gpu);
  const known = (await readCalibration(deps.calibrationFile)).classes[sizeClass]?.threads ?? {};
  const measure = missingThreadCounts(known, spec.threads, deps.cores ?? availableParallelism());
  return { sizeClass, known, measure };
}
