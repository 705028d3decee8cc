/**
 * Entry of a runner process (started by `process-runner.ts` with `child_process.fork`): one model, served over the
 * IPC channel with the protocol of `protocol.ts`. node-llama-cpp is only ever loaded here, never in the server.
 * When the parent goes away (IPC disconnect) the runner shuts down too, so no runner outlives its server.
 */
import { ChildSession } from './child-session.js';
import type { ChildMessage } from './protocol.js';

if (!process.send)
  throw new Error('runner-child must be started with child_process.fork (it needs an IPC channel)');

const send = (message: ChildMessage): void => {
  if (process.connected) process.send?.(message);
};

const session = new ChildSession({
  send,
  // node-llama-cpp is imported with the first `load`, so `hello` goes out as soon as the process runs and the
  // import's cost counts against the load timeout, not the handshake.
  load: async (spec, calibration) =>
    (await import('./llama-cpp/load-engine.js')).loadEngine(spec, calibration),
  // Everything is disposed: closing the channel lets the event loop drain and the process end with code 0.
  onShutdown: () => {
    if (process.connected) process.disconnect();
  },
});

process.on('message', (raw) => session.receive(raw));
process.on('disconnect', () => void session.shutdown());
session.hello();
