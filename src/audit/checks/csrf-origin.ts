/**
 * `csrf-origin`: the CSRF test as operators do it by hand, in a browser-like session.
 *
 * The audit opens the site and the form page with one cookie jar (see
 * `AuditContext.session`), reads the CSRF token the way the framework issues it (Django's
 * `csrftoken` cookie sent back as `X-CSRFToken` and its `csrfmiddlewaretoken` form field;
 * csrf-csrf's `x-csrf-token` cookie and header; `_csrf` fields, `csrf-token` meta tags),
 * then sends the same POST, token and cookies included, once from the site's own https
 * origin and once from a foreign one (the run's canary):
 *
 * - the foreign POST accepted: FAIL (no origin check; with a valid token, Django 3.2 does
 *   this when it believes the request is http, since it checks the Referer only on
 *   requests it believes secure);
 * - the foreign POST 403 and the same-origin POST accepted: pass;
 * - the same-origin POST 403 with a valid token: FAIL, the app does not accept its own
 *   origin (a proxy that rewrites Host or hides https);
 * - the same-origin POST 403 and no token found: WARN, the 403 may be for the token.
 *
 * The text of a refusal page is never evidence: with `DEBUG = False` Django does not say
 * why, and sites replace the page. Only the probe's own report of the CSRF failure reason
 * may tell a token failure from an origin failure.
 */
import {
  type Basis,
  type Check,
  error,
  fail,
  from,
  pass,
  skip,
  type Verdict,
  warn,
} from '../check.js';
import { CSRF_REASON_HEADER, type Exchange, evidence, selfRedirect } from '../context.js';
import { headerValue } from '../engine.js';
import type { Evidence } from '../types.js';
import { schemeBelief } from './probe-util.js';

/** Form fields that carry a CSRF token, by framework. */
export const TOKEN_FIELDS = [
  'csrfmiddlewaretoken', // Django
  '_csrf', // csurf, csrf-csrf examples, Spring
  'csrf_token', // Flask-WTF
  '_token', // Laravel
  'authenticity_token', // Rails
  '__RequestVerificationToken', // ASP.NET
];

/** Where a CSRF token was found, and how it goes back. */
export interface CsrfToken {
  /** The form field (name and value) to send in the body, when the page renders one. */
  readonly field?: { readonly name: string; readonly value: string };
  /** The value for the CSRF request headers (X-CSRFToken, X-CSRF-Token, X-XSRF-TOKEN). */
  readonly header?: string;
  /** Where each came from, for the evidence. */
  readonly sources: readonly string[];
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Find the CSRF token a page and the jar's cookies offer: a hidden form field, a
 * `csrf-token` meta tag, or a cookie whose name says csrf/xsrf (Django `csrftoken`,
 * Angular `XSRF-TOKEN`, csrf-csrf `__Host-psifi.x-csrf-token`).
 */
export function findCsrfToken(
  html: string,
  cookies: readonly { name: string; value: string }[],
): CsrfToken {
  const sources: string[] = [];
  let field: { name: string; value: string } | undefined;
  for (const m of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    const value = attr(m[0], 'value');
    if (name && value && TOKEN_FIELDS.includes(name)) {
      field = { name, value: decodeEntities(value) };
      sources.push(`form field ${name}`);
      break;
    }
  }
  let meta: string | undefined;
  for (const m of html.matchAll(/<meta\b[^>]*>/gi)) {
    const name = attr(m[0], 'name')?.toLowerCase();
    const content = attr(m[0], 'content');
    if (content && (name === 'csrf-token' || name === 'csrf_token' || name === '_csrf')) {
      meta = decodeEntities(content);
      sources.push(`meta ${name}`);
      break;
    }
  }
  const cookie = cookies.find((c) => /csrf|xsrf/i.test(c.name) && c.value !== '');
  if (cookie) sources.push(`cookie ${cookie.name}`);
  const header = field?.value ?? meta ?? cookie?.value;
  return {
    ...(field ? { field } : {}),
    ...(header !== undefined ? { header } : {}),
    sources,
  };
}

/** A POST the app accepted: past any CSRF check (2xx, or a redirect elsewhere than itself). */
function accepted(ex: Exchange): boolean {
  const r = ex.response!;
  if (r.status >= 400) return false;
  return !selfRedirect(ex);
}

const NO_TOKEN_FIX =
  'Point --csrf-path at a page that renders a form with its CSRF token (Django: a view whose template has `{% csrf_token %}`; csrf-csrf: a page that calls `generateCsrfToken`), or --cookie-path at a page that sets the CSRF cookie (Django: a view that calls `get_token(request)`); with the probe secret the audit can also read why the app refused.';

/** The check. */
export const csrfOrigin: Check = {
  id: 'csrf-origin',
  title: 'CSRF origin check',
  severity: 'high',
  needsProbe: false,
  description:
    "With the CSRF token and cookies a browser session gets (--cookie-path, --csrf-path): a POST to --csrf-path from the site's own https origin passes, and the same POST from a foreign origin (a per-run canary) gets 403.",
  fix: 'Check Origin (then Referer) on unsafe methods against the resolved origin: proxytrust `csrf` with `trustedOrigins` for other front-ends; Django `SECURE_PROXY_SSL_HEADER` (so the app knows its own origin is https, and Django 3.2 checks the Referer at all), a proxy that keeps the Host (nginx `proxy_set_header Host $host;`), and `CSRF_TRUSTED_ORIGINS` for other front-ends (Django 3.2: host names such as `"app.example.com"`; Django 4.0+: with the scheme, `"https://app.example.com"`).',
  async run(ctx) {
    const path = ctx.options.csrfPath;
    if (!path) return skip('no --csrf-path: name an endpoint that accepts POST');
    const url = ctx.at('https', path);
    const { csrfPage } = await ctx.session();
    const page = csrfPage!;
    if (!page.response)
      return error(`GET ${url.href} failed: ${page.error?.message}`, [evidence(page)]);
    const jarCookies = ctx.jar.matching(url);
    const token = findCsrfToken(page.response.body.toString('utf8'), jarCookies);
    const common: [string, string][] = [['Content-Type', 'application/x-www-form-urlencoded']];
    const cookie = ctx.jar.header(url);
    if (cookie) common.push(['Cookie', cookie]);
    if (token.header !== undefined) {
      common.push(
        ['X-CSRFToken', token.header],
        ['X-CSRF-Token', token.header],
        ['X-XSRF-TOKEN', token.header],
      );
    }
    const body = token.field
      ? `${encodeURIComponent(token.field.name)}=${encodeURIComponent(token.field.value)}`
      : 'proxytrust=audit';
    common.push(...ctx.probeMark(url));
    const foreign = `https://${ctx.canary.host}`;
    const own = ctx.url.origin;
    const [bad, good] = await Promise.all([
      ctx.send(`POST ${url.href} from the foreign origin ${foreign}`, {
        url,
        method: 'POST',
        headers: [['Origin', foreign], ['Referer', `${foreign}${url.pathname}`], ...common],
        body,
      }),
      ctx.send(`POST ${url.href} from its own origin ${own}`, {
        url,
        method: 'POST',
        headers: [['Origin', own], ['Referer', `${own}${url.pathname}`], ...common],
        body,
      }),
    ]);
    const tokenNote = token.sources.length
      ? `CSRF token from ${token.sources.join(', ')}`
      : 'no CSRF token found (no csrf/xsrf cookie, form field or meta tag)';
    const ev: Evidence[] = [
      evidence(page, [], [tokenNote]),
      evidence(bad, ['content-length', CSRF_REASON_HEADER]),
      evidence(good, ['content-length', CSRF_REASON_HEADER]),
    ];
    if (!bad.response) return error(`POST failed: ${bad.error?.message}`, ev);
    if (!good.response) return error(`POST failed: ${good.error?.message}`, ev);
    const b = bad.response.status;
    const g = good.response.status;
    const hasToken = token.header !== undefined;
    const outside = (v: Verdict) => from('outside', v);
    if ((b === 404 || b === 405) && (g === 404 || g === 405)) {
      return error(
        `${url.pathname} answers ${b} to POST: --csrf-path must name an endpoint that accepts POST`,
        ev,
      );
    }
    if (selfRedirect(bad) && selfRedirect(good)) {
      const p = await schemeBelief(ctx, 'https');
      if (p.scheme === 'http') {
        return from(
          'probe+outside',
          fail(
            'POSTs over https are redirected to https, and the probe says the app believes https requests are http: its own https origin can never match',
            [...ev, p.evidence!],
          ),
        );
      }
      return outside(
        warn(
          `POSTs over https are redirected to themselves (${g}): the app does not see https, so its CSRF check is never reached (see redirect-loop)`,
          ev,
          'Make the app see https first (see redirect-loop), then run the audit again.',
        ),
      );
    }
    if (accepted(bad)) {
      const p = await schemeBelief(ctx, 'https');
      const why =
        p.scheme === 'http'
          ? '; the probe says the app believes https requests are http (Django 3.2 checks the Referer only on requests it believes secure)'
          : '';
      return from(
        p.scheme ? 'probe+outside' : 'outside',
        fail(
          `a POST from a foreign origin${hasToken ? ' with a valid CSRF token' : ''} is accepted (${b}): no origin check${why}`,
          p.evidence && p.scheme ? [...ev, p.evidence] : ev,
        ),
      );
    }
    if (b === 403 && accepted(good)) {
      return outside(
        pass(
          `a foreign origin gets 403, the site's own origin ${g}${hasToken ? ' (with the CSRF token)' : ''}`,
          ev,
        ),
      );
    }
    if (b === 403 && g === 403) {
      const reason = csrfReason(good);
      if (reason) {
        const basis: Basis = 'probe+outside';
        if (reason.kind === 'origin') {
          return from(
            basis,
            fail(
              `a same-origin POST (Origin: ${own}) is refused with 403, and the app reports an origin failure ("${reason.text}"): the app does not accept its own origin`,
              [...ev, ...reason.evidence],
            ),
          );
        }
        return from(
          basis,
          warn(
            `a same-origin POST is refused with 403 for its token ("${reason.text}"), not its origin: the origin check cannot be judged`,
            [...ev, ...reason.evidence],
            NO_TOKEN_FIX,
          ),
        );
      }
      if (hasToken) {
        return outside(
          fail(
            `a same-origin POST (Origin: ${own}) with a valid CSRF token (${token.sources.join(', ')}) is refused with 403: the app does not accept its own origin`,
            ev,
          ),
        );
      }
      return outside(
        warn(
          'a same-origin POST also gets 403 and no CSRF token was found: the refusal may be for the missing token, so the origin check cannot be judged',
          ev,
          NO_TOKEN_FIX,
        ),
      );
    }
    if (b === 403) {
      return outside(
        warn(
          `a foreign origin gets 403, but the site's own origin gets ${g}: cannot tell whether its own origin is accepted`,
          ev,
          'Point --csrf-path at an endpoint that accepts a same-origin POST (2xx or a redirect).',
        ),
      );
    }
    return outside(
      warn(
        `a POST from a foreign origin gets ${b}, not 403 (its own origin gets ${g}): cannot tell an origin check from another refusal`,
        ev,
        'Point --csrf-path at an endpoint that accepts a same-origin POST, with a page that issues the CSRF token.',
      ),
    );
  },
};

/**
 * Why the app's CSRF check refused a probe's own request, as the probe reported it in
 * `X-Proxytrust-Csrf-Reason` (never the page's text): an origin failure (Referer or Origin)
 * or a token failure (missing cookie, missing or wrong token).
 */
export function csrfReason(
  ex: Exchange,
): { kind: 'origin' | 'token'; text: string; evidence: Evidence[] } | undefined {
  const text = ex.response ? headerValue(ex.response, CSRF_REASON_HEADER) : undefined;
  if (!text) return undefined;
  const kind = /referer|origin/i.test(text) && !/token|cookie/i.test(text) ? 'origin' : 'token';
  return { kind, text, evidence: [evidence(ex, [CSRF_REASON_HEADER])] };
}
