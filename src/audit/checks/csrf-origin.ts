/**
 * `csrf-origin`: an unsafe request with a foreign Origin gets 403, and a same-origin one is
 * not rejected for its origin (the app knows its own origin is https).
 */
import { type Check, error, fail, pass, skip, warn } from '../check.js';
import { evidence } from '../context.js';
import { headerValues } from '../engine.js';
import { parseSetCookie } from './cookie-flags.js';

/** The check. */
export const csrfOrigin: Check = {
  id: 'csrf-origin',
  title: 'CSRF origin check',
  severity: 'high',
  needsProbe: false,
  description:
    "A POST to --csrf-path with a foreign Origin (a per-run canary) gets 403; a POST with the site's own https origin is not rejected for its origin.",
  fix: 'Check Origin (then Referer) on unsafe methods against the resolved origin: proxytrust `csrf` with `trustedOrigins` for other front-ends; Django `CSRF_TRUSTED_ORIGINS = ["https://app.example.com"]` plus `SECURE_PROXY_SSL_HEADER`, so that the app knows its own origin is https.',
  async run(ctx) {
    const path = ctx.options.csrfPath;
    if (!path) return skip('no --csrf-path: name an endpoint that accepts POST');
    const url = ctx.at('https', path);
    // Collect cookies and a CSRF token the way a browser form would (Django csrftoken, XSRF-TOKEN, ...).
    const page = await ctx.send(`GET ${url.href} (cookies and CSRF token)`, { url });
    const cookies = page.response ? headerValues(page.response, 'set-cookie') : [];
    const pairs = cookies.map((c) => c.split(';')[0]!.trim()).filter((p) => p.includes('='));
    const token = cookies
      .map((c) => ({ c: parseSetCookie(c), v: c.split(';')[0]!.split('=').slice(1).join('=') }))
      .find((x) => /csrf|xsrf/i.test(x.c.name))?.v;
    const common: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']];
    if (pairs.length > 0) common.push(['Cookie', pairs.join('; ')]);
    if (token) common.push(['X-CSRFToken', token], ['X-XSRF-TOKEN', token]);
    const body = token ? `csrfmiddlewaretoken=${encodeURIComponent(token)}` : 'proxytrust=audit';
    const foreign = `https://${ctx.canary.host}`;
    const [bad, good] = await Promise.all([
      ctx.send(`POST ${url.href} with Origin: ${foreign}`, {
        url,
        method: 'POST',
        headers: [['Origin', foreign], ['Referer', `${foreign}/`], ...common],
        body,
      }),
      ctx.send(`POST ${url.href} with its own Origin`, {
        url,
        method: 'POST',
        headers: [['Origin', ctx.url.origin], ['Referer', `${ctx.url.origin}/`], ...common],
        body,
      }),
    ]);
    const ev = [evidence(bad), evidence(good)];
    if (!bad.response) return error(`POST failed: ${bad.error?.message}`, ev);
    if (!good.response) return error(`POST failed: ${good.error?.message}`, ev);
    const b = bad.response.status;
    const g = good.response.status;
    if (b === 405 || b === 404) {
      return error(
        `${url.pathname} answers ${b} to POST: --csrf-path must name an endpoint that accepts POST`,
        ev,
      );
    }
    if (b < 400) return fail(`a POST from a foreign Origin is accepted (${b})`, ev);
    if (g === 403) {
      const mentions = /origin/i.test(good.response.body.toString('utf8'));
      if (token || mentions) {
        return fail(
          `a same-origin POST (Origin: ${ctx.url.origin}) is rejected with 403${mentions ? ' for its origin' : ''}: the app does not know its own origin`,
          ev,
        );
      }
      return warn(
        'a same-origin POST also gets 403, perhaps for a missing CSRF token: the origin check cannot be told apart',
        ev,
        'Point --csrf-path at an endpoint that accepts a same-origin POST without a form token, or one whose page sets the CSRF cookie.',
      );
    }
    if (b !== 403) {
      return warn(`a POST from a foreign Origin gets ${b}, not 403`, ev);
    }
    return pass(`a foreign Origin gets 403; the same origin gets ${g}`, ev);
  },
};
