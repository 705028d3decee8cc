/** Shared pieces of the engine tests: load specs, a recording logger, fake-runner factories. */
import { fileURLToPath } from 'node:url';
import type { Logger, RunnerLoadSpec } from '../../src/core/index.js';
import { createProcessRunnerFactory, type ProcessRunnerDeps } from '../../src/engine/index.js';
import { entryExecArgv } from '../../src/engine/runner-entry.js';

/** A CPU load spec with explicit threads (1 is fastest for the tiny model, ENGINE-NOTES). */
export function tinySpec(modelPath: string, overrides: Partial<RunnerLoadSpec> = {}): RunnerLoadSpec {
  return {
    modelPath,
    adapters: [],
    contextSize: 512,
    parallel: 4,
    threads: 1,
    gpu: 'cpu',
    useMmap: true,
    ...overrides,
  };
}

/** A logger that keeps every record, for assertions on what the runner wrote. */
export function recordingLogger(): Logger & { records: Array<{ level: string; msg: string; obj: object }> } {
  const records: Array<{ level: string; msg: string; obj: object }> = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      records.push({ level, msg, obj });
    };
  const log = {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return log;
}

const FAKE_CHILD = fileURLToPath(new URL('./fake-runner-child.ts', import.meta.url));

/** A factory that forks the fake runner in `mode` (see fake-runner-child.ts). */
export function fakeRunnerFactory(mode: string, deps: Partial<ProcessRunnerDeps> = {}) {
  return createProcessRunnerFactory({
    log: recordingLogger(),
    entry: { modulePath: FAKE_CHILD, execArgv: entryExecArgv(FAKE_CHILD) },
    env: { ...process.env, FAKE_RUNNER_MODE: mode },
    ...deps,
  });
}
