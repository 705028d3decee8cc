/** The `ModelPuller` options that come from the configuration, shared by the server and the test harness. */
import type { Config } from '../../config/index.js';

export function pullerSettings(config: Config) {
  return {
    maxParts: config.pullParts,
    maxBytesPerSecond: config.pullMaxBps,
    stallTimeoutMs: config.pullStallTimeout,
    registryMirrors: config.registryMirrors,
    hfEndpoint: config.hfEndpoint,
    hfToken: config.hfToken,
  };
}
