/** `https-redirect`: plain http gets exactly one redirect to https, on the same host and path. */

import type { Verdict } from '../check.js';
import { type Check, error, fail, pass, skip, warn } from '../check.js';
import {
  type AuditContext,
  type Exchange,
  evidence,
  isRedirect,
  redirectTarget,
} from '../context.js';
import { hostnameOf, portOf } from '../engine.js';
import type { Evidence } from '../types.js';
import { explainByBelief } from './probe-util.js';

/** The check. */
export const httpsRedirect: Check = {
  id: 'https-redirect',
  title: 'http redirects to https',
  severity: 'high',
  needsProbe: false,
  description:
    'A plain-http request gets exactly one redirect (301/308) to https on the same host, port and path.',
  fix: 'Redirect plain http once, straight to https: nginx `return 308 https://$server_name$request_uri;` in the port-80 server, HAProxy `http-request redirect scheme https code 308 unless { ssl_fc }`, or in the app proxytrust `httpsRedirect: true` / Django `SECURE_SSL_REDIRECT = True` (with `SECURE_PROXY_SSL_HEADER` so the app knows when it is already https).',
  async run(ctx) {
    const ex = await ctx.baselineHttp();
    const res = ex.response;
    if (!res) {
      if (ex.error?.kind === 'refused') {
        return skip(
          `no plain-http entry point (${ex.error.message}); pass --http-url if it is elsewhere`,
          [evidence(ex)],
        );
      }
      return error(`plain-http request failed: ${ex.error?.message}`, [evidence(ex)]);
    }
    const ev = [evidence(ex)];
    return explainByBelief(ctx, 'http', judge(res, ex, ctx, ev));
  },
};

function judge(
  res: NonNullable<Exchange['response']>,
  ex: Exchange,
  ctx: AuditContext,
  ev: Evidence[],
): Verdict {
  if (!isRedirect(res) && res.status >= 400) {
    // A refusal serves nothing over http, but is no redirect either: browsers that type
    // the bare name get an error page.
    return warn(
      `plain http is refused with ${res.status}, not redirected to https`,
      ev,
      'Redirect plain http to https instead of refusing it, so that people who type the bare name arrive: nginx `return 308 https://$host$request_uri;` in the port-80 server, HAProxy `http-request redirect scheme https code 308 unless { ssl_fc }`, Django `SECURE_SSL_REDIRECT = True`.',
    );
  }
  if (!isRedirect(res)) {
    return fail(`plain http answered ${res.status} instead of redirecting to https`, ev);
  }
  const to = redirectTarget(res, ex.url);
  if (!to) return fail('the redirect has an unparsable Location', ev);
  if (to.protocol !== 'https:') {
    return fail(`plain http redirects to ${to.href}, which is not https`, ev);
  }
  if (hostnameOf(to).toLowerCase() !== hostnameOf(ctx.url).toLowerCase()) {
    return fail(`plain http redirects to another host (${to.host})`, ev);
  }
  if (portOf(to) !== portOf(ctx.url)) {
    return fail(
      `plain http redirects to port ${portOf(to)}, but the https entry point is port ${portOf(ctx.url)}`,
      ev,
    );
  }
  if (to.pathname !== ex.url.pathname || to.search !== ex.url.search) {
    return fail(
      `the redirect loses the path: ${ex.url.pathname}${ex.url.search} -> ${to.pathname}${to.search}`,
      ev,
    );
  }
  if (res.status === 302 || res.status === 303 || res.status === 307) {
    return warn(
      `plain http redirects to https with a temporary ${res.status}; use 301 or 308`,
      ev,
      'Make the redirect permanent (301, or 308 which keeps the method): nginx `return 308 ...`, HAProxy `code 308`, Django uses 301 with `SECURE_SSL_REDIRECT`.',
    );
  }
  return pass(`plain http gets one ${res.status} to ${to.href}`, ev);
}
