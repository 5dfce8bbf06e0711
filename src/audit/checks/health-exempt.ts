/** `health-exempt`: health paths over plain http answer without a redirect. */
import { type Check, error, fail, from, pass, skip, type Verdict, warn } from '../check.js';
import type { AuditContext } from '../context.js';
import { evidence, isRedirect } from '../context.js';
import type { Evidence } from '../types.js';

/** The check. */
export const healthExempt: Check = {
  id: 'health-exempt',
  title: 'health checks not redirected',
  severity: 'medium',
  needsProbe: false,
  description:
    'Each --health path over plain http answers (2xx) without a redirect, so a load balancer that checks over http does not mark the app dead.',
  fix: 'Exempt health paths from the https redirect: proxytrust `httpsRedirect: { exempt: ["/healthz"] }`, Django `SECURE_REDIRECT_EXEMPT = [r"^healthz$"]`, nginx `location = /healthz { proxy_pass ...; }` before the `return 308` in the port-80 server; or point the health check at the https port.',
  async run(ctx) {
    return from('outside', await judgeHealth(ctx));
  },
};

async function judgeHealth(ctx: AuditContext): Promise<Verdict> {
  const paths = ctx.options.health ?? [];
  if (paths.length === 0) return skip('no --health path given');
  const exs = await Promise.all(
    paths.map((p) =>
      ctx.send(`GET ${ctx.at('http', p).href} (health)`, { url: ctx.at('http', p) }),
    ),
  );
  const ev: Evidence[] = exs.map((e) => evidence(e));
  if (exs.every((e) => e.error?.kind === 'refused')) {
    return skip(`no plain-http entry point (${exs[0]?.error?.message})`, ev);
  }
  const redirected = exs.filter((e) => isRedirect(e.response));
  if (redirected.length > 0) {
    return fail(
      `health path ${redirected.map((e) => `${e.url.pathname} (${e.response?.status})`).join(', ')} is redirected over http`,
      ev,
    );
  }
  const failed = exs.find((e) => !e.response);
  if (failed)
    return error(
      `health path ${failed.url.pathname} gets no answer over http: ${failed.error?.message}`,
      ev,
    );
  const odd = exs.filter((e) => (e.response?.status ?? 0) >= 300);
  if (odd.length > 0) {
    return warn(
      `health path ${odd.map((e) => `${e.url.pathname} answers ${e.response?.status}`).join(', ')} (not redirected, but not 2xx)`,
      ev,
      'Check the health path: it is not redirected but does not answer 2xx.',
    );
  }
  return pass(
    `${paths.join(', ')} answer${paths.length === 1 ? 's' : ''} over http without a redirect`,
    ev,
  );
}
