/**
 * The parent side of the trainer (`python/corral_trainer.py`): finding a Python with PyTorch, and supervising one
 * training run as a child process. The trainer prints JSON lines on stdout (trainer-protocol.ts) and keeps its
 * stdin open as a lifeline: when this process dies, the pipe closes and the trainer exits at once, so a killed
 * server leaves no orphan holding CPUs or a GPU. Its stderr goes to the log and its last lines into failures.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError, type Logger } from '../core/index.js';
import {
  parseTrainerLine,
  trainerConfigSchema,
  trainerProbeSchema,
  type TrainerConfig,
  type TrainerMessage,
  type TrainerProbe,
} from './trainer-protocol.js';
import { trainerScriptPath } from './trainer-script.js';

/** A Python interpreter that can run the trainer (`python`: its path or command), and what it has. */
export interface TrainerPython {
  python: string;
  pythonVersion: string;
  torch: string;
  numpy: string;
  cuda: boolean;
  devices: TrainerProbe['devices'];
}

const PROBE_TIMEOUT_MS = 60_000; // a cold `import torch` from a slow disk takes seconds
const probed = new Map<string, Promise<TrainerPython>>();

function probe(python: string, script: string): Promise<TrainerPython> {
  return new Promise((resolve, reject) => {
    execFile(python, [script, 'probe'], { timeout: PROBE_TIMEOUT_MS }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let answer: unknown;
      try {
        answer = JSON.parse(last);
      } catch {
        answer = undefined; // not JSON: explained below from the exec error or stderr
      }
      const parsed = trainerProbeSchema.safeParse(answer);
      if (!err && parsed.success) {
        const { python_version: pythonVersion, torch, numpy, cuda, devices } = parsed.data;
        return resolve({ python, pythonVersion, torch, numpy, cuda, devices });
      }
      const message = (answer as { message?: unknown } | undefined)?.message;
      const code = (err as NodeJS.ErrnoException | null)?.code;
      const reason =
        typeof message === 'string'
          ? message
          : code === 'ENOENT'
            ? 'not found'
            : stderr.trim().split('\n').at(-1) || err?.message || 'no answer to probe';
      reject(new Error(reason));
    });
  });
}

/**
 * A Python that runs the trainer's `probe` (Python 3 with numpy and PyTorch): `options.python` (the
 * `CORRAL_PYTHON` setting) when given, and only it, since an operator who names an interpreter means that one;
 * otherwise the first of `python3` and `/usr/bin/python3` that works (a pyenv or virtualenv `python3` on PATH often
 * lacks the distribution's torch). Successful probes are cached per interpreter; failures are not, so installing
 * PyTorch takes effect without a restart. Throws `TRAINER_UNAVAILABLE` naming each failure.
 */
export async function findTrainerPython(
  options: { python?: string; script?: string } = {},
): Promise<TrainerPython> {
  const script = options.script ?? trainerScriptPath();
  const candidates = options.python ? [options.python] : ['python3', '/usr/bin/python3'];
  const failures: string[] = [];
  for (const python of candidates) {
    const key = `${python}\0${script}`;
    let pending = probed.get(key);
    if (pending === undefined) {
      pending = probe(python, script);
      probed.set(key, pending);
      pending.catch(() => probed.delete(key)); // failures are reported below and retried next time
    }
    try {
      return await pending;
    } catch (err) {
      failures.push(`${python}: ${(err as Error).message}`);
    }
  }
  throw new AppError(
    'TRAINER_UNAVAILABLE',
    `fine-tuning needs Python 3 with PyTorch: install it (apt-get install python3-torch, or pip install torch) ` +
      `or set CORRAL_PYTHON to an interpreter that has it (tried ${failures.join('; ')})`,
    { details: { tried: failures } },
  );
}

/** How a training run ended. `failed` carries the trainer's error, or how it exited and its last stderr lines. */
export type TrainerOutcome =
  | {
      kind: 'succeeded';
      adapter: string;
      steps: number;
      trainLoss: number | null;
      validationLoss: number | null;
    }
  | { kind: 'cancelled'; step: number }
  | { kind: 'failed'; message: string };

export interface TrainerStartOptions {
  /** The interpreter, from {@link findTrainerPython}. */
  python: string;
  config: TrainerConfig;
  /** Where the config JSON is written (its folder is created). */
  configPath: string;
  log: Logger;
  /** Every message, as it arrives. */
  onMessage?: (message: TrainerMessage) => void;
  /** A trainer that prints nothing this long before it is done is killed (default 10 minutes). */
  stallTimeoutMs?: number;
  /** After `cancel()`, how long until SIGTERM (default 5 s), and from then until SIGKILL (default 10 s). */
  cancelGraceMs?: number;
  killGraceMs?: number;
  /** The trainer script (default: {@link trainerScriptPath}). */
  script?: string;
  env?: NodeJS.ProcessEnv;
}

const STDERR_LINES = 50;
const QUOTED_LINES = 8;
const MAX_LINE = 2000;

/** One running `corral_trainer.py train`; `done` resolves (never rejects) once the process has exited. */
export class TrainerProcess {
  readonly done: Promise<TrainerOutcome>;
  readonly #child: ChildProcess;
  readonly #log: Logger;
  readonly #options: TrainerStartOptions;
  readonly #stderr: string[] = [];
  #resolve!: (outcome: TrainerOutcome) => void;
  #outcome: TrainerOutcome | undefined;
  #failure: string | undefined;
  #lastStep = 0;
  #cancelRequested = false;
  #exited = false;
  #stallTimer: NodeJS.Timeout | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  /** Validates and writes the config, then starts the trainer. Throws `INVALID_REQUEST` for a bad config. */
  static async start(options: TrainerStartOptions): Promise<TrainerProcess> {
    const parsed = trainerConfigSchema.safeParse(options.config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'INVALID_REQUEST',
        `invalid trainer config: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const script = options.script ?? trainerScriptPath();
    await mkdir(dirname(options.configPath), { recursive: true });
    await writeFile(options.configPath, JSON.stringify(parsed.data, null, 2) + '\n');
    return new TrainerProcess(options, script);
  }

  private constructor(options: TrainerStartOptions, script: string) {
    this.#options = options;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#child = spawn(options.python, [script, 'train', options.configPath], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      // Its own process group: a Ctrl-C in the server's terminal must not reach the trainer as a user's cancel
      // (the trainer treats SIGINT like SIGTERM). The stdin lifeline still ends it when this process dies.
      detached: true,
    });
    this.#log = options.log.child({ trainerPid: this.#child.pid });
    // Writing to a trainer that just exited fails with EPIPE; its exit is what gets reported.
    this.#child.stdin?.on('error', (err) => this.#log.debug({ err }, 'trainer stdin closed'));
    readLines(this.#child.stdout, (line) => this.#onStdout(line));
    readLines(this.#child.stderr, (line) => this.#onStderr(line));
    this.#child.on('error', (err) => {
      this.#failure ??= `cannot run ${options.python}: ${err.message}`;
      if (this.#child.pid === undefined) this.#onExit(null, null); // never started: no 'close' follows
    });
    // 'close' comes after stdout and stderr ended, so every message and stderr line has been seen.
    this.#child.on('close', (code, signal) => this.#onExit(code, signal));
    this.#armStallTimer();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Asks the trainer to stop (stdin `cancel`); SIGTERM after the grace period, SIGKILL after another. */
  cancel(): void {
    if (this.#exited || this.#cancelRequested) return;
    this.#cancelRequested = true;
    this.#child.stdin?.write(JSON.stringify({ type: 'cancel' }) + '\n');
    const { cancelGraceMs = 5_000, killGraceMs = 10_000 } = this.#options;
    this.#timers.push(
      setTimeout(() => {
        this.#signal('SIGTERM');
        this.#timers.push(setTimeout(() => this.#signal('SIGKILL'), killGraceMs));
      }, cancelGraceMs),
    );
  }

  /** SIGKILL now. Idempotent; `done` then resolves as cancelled (after `cancel()`) or failed. */
  kill(): void {
    if (!this.#cancelRequested) this.#failure ??= 'trainer was killed';
    this.#signal('SIGKILL');
  }

  /** Kills the trainer if it still runs and waits for its exit. Idempotent. */
  async close(): Promise<void> {
    if (!this.#exited) this.kill();
    await this.done;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#exited || this.#child.pid === undefined) return;
    this.#child.kill(signal);
  }

  #armStallTimer(): void {
    clearTimeout(this.#stallTimer);
    const ms = this.#options.stallTimeoutMs ?? 600_000;
    this.#stallTimer = setTimeout(() => {
      this.#failure ??= `trainer printed nothing for ${ms / 1000} s; killed`;
      this.#signal('SIGKILL');
    }, ms);
  }

  #onStdout(line: string): void {
    if (line.trim() === '') return;
    this.#armStallTimer();
    const parsed = parseTrainerLine(line);
    if (!parsed.ok) {
      // Stdout carries messages only: a line that is none means the trainer is broken, so stop it.
      this.#outcome ??= { kind: 'failed', message: parsed.error };
      this.#signal('SIGKILL');
    }
    const message: TrainerMessage = parsed.ok ? parsed.message : { type: 'error', message: parsed.error };
    this.#record(message);
    try {
      this.#options.onMessage?.(message);
    } catch (err) {
      this.#log.warn({ err, type: message.type }, 'trainer message handler failed'); // the run goes on
    }
  }

  #record(message: TrainerMessage): void {
    switch (message.type) {
      case 'progress':
      case 'checkpoint':
      case 'eval':
        this.#lastStep = message.step;
        break;
      case 'done':
        clearTimeout(this.#stallTimer);
        this.#outcome ??= {
          kind: 'succeeded',
          adapter: message.adapter,
          steps: message.steps,
          trainLoss: message.train_loss,
          validationLoss: message.validation_loss,
        };
        break;
      case 'cancelled':
        clearTimeout(this.#stallTimer);
        this.#outcome ??= { kind: 'cancelled', step: message.step };
        break;
      case 'error':
        this.#outcome ??= { kind: 'failed', message: message.message };
        break;
      default:
        break;
    }
  }

  #onStderr(line: string): void {
    if (line.trim() === '') return;
    // The trainer marks what an operator should see ("corral-trainer: warning: …"); the rest is detail.
    if (line.startsWith('corral-trainer: warning: ')) this.#log.warn({ line }, 'trainer warning');
    else this.#log.debug({ line }, 'trainer output');
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exited) return;
    this.#exited = true;
    clearTimeout(this.#stallTimer);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#child.stdin?.destroy();
    const outcome = this.#outcomeOf(code, signal);
    if (outcome.kind === 'succeeded' && code !== 0)
      this.#log.warn({ code, signal }, 'trainer exited abnormally after reporting success');
    this.#log.info({ outcome: outcome.kind, code, signal }, 'trainer exited');
    this.#resolve(outcome);
  }

  #outcomeOf(code: number | null, signal: NodeJS.Signals | null): TrainerOutcome {
    if (this.#outcome !== undefined) return this.#outcome;
    if (this.#failure !== undefined) return { kind: 'failed', message: this.#withStderr(this.#failure) };
    if (this.#cancelRequested) return { kind: 'cancelled', step: this.#lastStep };
    const how =
      signal === 'SIGKILL'
        ? 'signal SIGKILL, e.g. the out-of-memory killer'
        : signal !== null
          ? `signal ${signal}`
          : `code ${code ?? 'unknown'}`;
    return { kind: 'failed', message: this.#withStderr(`trainer exited (${how}) without finishing`) };
  }

  #withStderr(message: string): string {
    const quoted = this.#stderr.slice(-QUOTED_LINES);
    return quoted.length === 0 ? `${message} (no output)` : `${message}: ${quoted.join(' | ')}`;
  }
}

/** Calls `onLine` for each line of `stream` (over-long lines are cut into pieces). */
function readLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (data: string) => {
    const parts = (partial + data).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line.replace(/\r$/, ''));
    if (partial.length > 64 * MAX_LINE) {
      onLine(partial);
      partial = '';
    }
  });
  stream.on('end', () => {
    if (partial !== '') onLine(partial);
    partial = '';
  });
}
