/**
 * `redirect-loop`: https never redirects to itself or into a cycle. Follows at most 10 hops
 * and never leaves the audited host.
 */
import { type Check, error, fail, pass, type Verdict } from '../check.js';
import {
  type AuditContext,
  type Exchange,
  evidence,
  isRedirect,
  redirectTarget,
} from '../context.js';
import { explainByBelief } from './probe-util.js';

/** The most redirects followed. */
export const MAX_REDIRECTS = 10;

/** How a redirect chain ended. */
export interface Chain {
  readonly outcome: 'final' | 'cycle' | 'too-many' | 'left-host' | 'bad-location' | 'error';
  readonly hops: readonly Exchange[];
  readonly urls: readonly string[];
}

/** Follow redirects from `start` (GET), at most {@link MAX_REDIRECTS}, staying on the audited host. */
export async function followRedirects(
  ctx: AuditContext,
  start: URL,
  first?: Exchange,
): Promise<Chain> {
  const hops: Exchange[] = [];
  const urls = [start.href];
  const seen = new Set([start.href]);
  let cur = start;
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    const ex =
      i === 0 && first ? first : await ctx.send(`GET ${cur.href} (hop ${i})`, { url: cur });
    hops.push(ex);
    if (!ex.response) return { outcome: 'error', hops, urls };
    if (!isRedirect(ex.response)) return { outcome: 'final', hops, urls };
    if (i === MAX_REDIRECTS) break;
    const next = redirectTarget(ex.response, cur);
    if (!next) return { outcome: 'bad-location', hops, urls };
    urls.push(next.href);
    if (!ctx.isAuditedHost(next)) return { outcome: 'left-host', hops, urls };
    if (seen.has(next.href)) return { outcome: 'cycle', hops, urls };
    seen.add(next.href);
    cur = next;
  }
  return { outcome: 'too-many', hops, urls };
}

/** The check. */
export const redirectLoop: Check = {
  id: 'redirect-loop',
  title: 'no redirect loop',
  severity: 'critical',
  needsProbe: false,
  description:
    'Following redirects from the https URL (and from the http entry point) ends at a page within 10 hops, without a cycle, never leaving the audited host.',
  fix: 'The app does not see that the request is already https. Make the TLS-terminating proxy overwrite X-Forwarded-Proto (nginx `proxy_set_header X-Forwarded-Proto $scheme;`, HAProxy `http-request set-header X-Forwarded-Proto https if { ssl_fc }`) and make the app trust exactly that proxy (proxytrust `trustedProxies`, Django `SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")`).',
  async run(ctx) {
    return explainByBelief(ctx, 'https', await judgeRedirects(ctx));
  },
};

async function judgeRedirects(ctx: AuditContext): Promise<Verdict> {
  const https = await followRedirects(ctx, ctx.url, await ctx.baselineHttps());
  const httpFirst = await ctx.baselineHttp();
  const http = httpFirst.response ? await followRedirects(ctx, ctx.httpUrl, httpFirst) : undefined;
  const ev = (c: Chain) => c.hops.map((h) => evidence(h));
  for (const [name, c] of [
    ['https', https],
    ['http', http],
  ] as const) {
    if (!c) continue;
    const path = c.urls.join(' -> ');
    if (c.outcome === 'cycle') {
      return fail(`redirect loop from the ${name} URL: ${path}`, ev(c));
    }
    if (c.outcome === 'too-many') {
      return fail(`more than ${MAX_REDIRECTS} redirects from the ${name} URL: ${path}`, ev(c));
    }
  }
  if (https.outcome === 'error') {
    return error(
      `request failed while following redirects: ${https.hops.at(-1)?.error?.message}`,
      ev(https),
    );
  }
  const all = [...ev(https), ...(http ? ev(http) : [])];
  const n = https.hops.length - 1;
  const left =
    https.outcome === 'left-host'
      ? ' (stops at a redirect off the audited host, not followed)'
      : '';
  return pass(
    n === 0
      ? `https answers ${https.hops[0]?.response?.status} without a redirect${left}`
      : `https ends after ${n} redirect(s), no loop${left}`,
    all,
  );
}
