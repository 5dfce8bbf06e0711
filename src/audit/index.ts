/**
 * `proxytrust audit` as a library: audit a live deployment against the trust contract.
 *
 * ```ts
 * import { audit, renderText, exitCodeFor } from 'proxytrust/audit'; // (via dist/audit)
 * const report = await audit({ url: 'https://staging.example.com/', health: ['/healthz'] });
 * console.log(renderText(report));
 * process.exitCode = exitCodeFor(report);
 * ```
 * @module
 */
export type { Check, Verdict } from './check.js';
export { type Canary, DEFAULT_HSTS_MIN_AGE, type TargetOptions } from './context.js';
export {
  DEFAULT_LIMITS,
  type RawRequest,
  type RawResponse,
  RequestError,
  type RequestLimits,
  sendRaw,
} from './engine.js';
export {
  type ConnectToRule,
  type NetworkRules,
  parseConnectToRule,
  parseResolveRule,
  type ResolveRule,
} from './network.js';
export { CHECKS, getCheck, isCheckId } from './registry.js';
export { renderJson } from './report/json.js';
export { renderJunit } from './report/junit.js';
export { renderSarif, toSarif } from './report/sarif.js';
export { renderText } from './report/text.js';
export { audit, auditFleet, auditTarget, makeReport } from './run.js';
export {
  type AuditReport,
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  type Evidence,
  exitCodeFor,
  type Severity,
  type Status,
  type TargetReport,
} from './types.js';
