/**
 * The integration lab (issue 4): real nginx, HAProxy, Caddy and Django deployments on
 * loopback, started by name, with known ground truth. The audit, the demo and later the
 * linter use it as their reference targets.
 *
 * ```ts
 * import { scenarios, startScenario } from '../lab/index.js';
 * const s = await startScenario('nginx-passthrough');
 * try {
 *   // s.httpsUrl 'https://app.example.com', s.connectTo ['app.example.com:443:127.0.0.1:41234', ...]
 *   // s.cacertPath, s.probeSecret, s.groundTruth.audit.fail -> ['proto-spoof']
 * } finally {
 *   await s.stop();
 * }
 * ```
 *
 * Clients should connect from a loopback address other than the proxies' upstream
 * addresses (127.0.0.10, 127.0.0.11, ::1); 127.0.0.1 (the default) is fine.
 * @module
 */
export { type ScenarioRecord, spoofHeaders } from './check.js';
export { type LabRequest, type LabResponse, probe, request, tryProbe } from './client.js';
export { IN_CI, Lab, labTest, requireBinary } from './harness.js';
export { HEALTH_PATH, NAIVE_PREFIX, type NaiveBelief, type ProbeAnswer } from './node-app.js';
export { apache, caddy, haproxy, nginx } from './proxies.js';
export { type RawReply, type RawTarget, rawExchange, requestText } from './raw.js';
export { scenarios } from './scenarios.js';
export {
  BINARIES,
  getScenario,
  type HopPorts,
  labCa,
  type ScenarioHandle,
  type StartOptions,
  startHops,
  startScenario,
} from './start.js';
export * from './types.js';
