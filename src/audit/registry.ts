/** Every check, in report order. One file per check under ./checks/. */
import type { Check } from './check.js';
import { cookieFlags } from './checks/cookie-flags.js';
import { csrfOrigin } from './checks/csrf-origin.js';
import { forwardedDuplicates } from './checks/forwarded-duplicates.js';
import { forwardedHostSpoof } from './checks/forwarded-host-spoof.js';
import { healthExempt } from './checks/health-exempt.js';
import { hostHeader } from './checks/host-header.js';
import { hsts } from './checks/hsts.js';
import { httpsRedirect } from './checks/https-redirect.js';
import { ipSpoof } from './checks/ip-spoof.js';
import { protoSpoof } from './checks/proto-spoof.js';
import { redirectLoop } from './checks/redirect-loop.js';
import { schemeDetection } from './checks/scheme-detection.js';
import { CHECK_IDS, type CheckId } from './types.js';

/** The registry, in report order (the order of {@link CHECK_IDS}). */
export const CHECKS: readonly Check[] = [
  httpsRedirect,
  redirectLoop,
  protoSpoof,
  hostHeader,
  forwardedHostSpoof,
  hsts,
  cookieFlags,
  csrfOrigin,
  healthExempt,
  schemeDetection,
  ipSpoof,
  forwardedDuplicates,
];

/** The check with this id. */
export function getCheck(id: CheckId): Check {
  const c = CHECKS.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

/** True when `id` is a check id. */
export function isCheckId(id: string): id is CheckId {
  return (CHECK_IDS as readonly string[]).includes(id);
}
