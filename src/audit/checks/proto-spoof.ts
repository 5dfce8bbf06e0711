/**
 * `proto-spoof`: scheme headers sent by a client change nothing. Over plain http, a client
 * that claims https must still be redirected (and get no HSTS, no Secure cookies); over
 * https, a client that claims http must not be redirected (a loop and cache poisoning for
 * anyone who sends it). With the probe, the app's own belief is read too.
 */
import { type Check, error, fail, pass, skip } from '../check.js';
import {
  type AuditContext,
  type Exchange,
  evidence,
  isRedirect,
  redirectTarget,
} from '../context.js';
import { headerValues } from '../engine.js';
import type { Evidence } from '../types.js';

type Line = readonly [string, string];

/** Client-sent claims of https, one per header family the field uses. */
export const HTTPS_CLAIMS: readonly Line[] = [
  ['X-Forwarded-Proto', 'https'],
  ['Forwarded', 'proto=https'],
  ['X-Forwarded-Ssl', 'on'],
  ['X-Forwarded-Protocol', 'https'],
  ['CloudFront-Forwarded-Proto', 'https'],
  ['CF-Visitor', '{"scheme":"https"}'],
  ['X-Url-Scheme', 'https'],
  ['Front-End-Https', 'on'],
];

/** Client-sent claims of http, sent over https. */
export const HTTP_CLAIMS: readonly Line[] = [
  ['X-Forwarded-Proto', 'http'],
  ['Forwarded', 'proto=http'],
  ['X-Forwarded-Ssl', 'off'],
  ['X-Forwarded-Protocol', 'http'],
  ['CloudFront-Forwarded-Proto', 'http'],
  ['CF-Visitor', '{"scheme":"http"}'],
];

const toHttps = (ex: Exchange) =>
  isRedirect(ex.response) && redirectTarget(ex.response!, ex.url)?.protocol === 'https:';
const hasHsts = (ex: Exchange) =>
  headerValues(ex.response!, 'strict-transport-security').length > 0;
const secureCookies = (ex: Exchange) =>
  headerValues(ex.response!, 'set-cookie').filter((c) => /;\s*secure\s*(;|$)/i.test(c)).length;

/** Why a spoofed-https response over http shows belief, or undefined. */
function believedHttps(base: Exchange, spoof: Exchange): string | undefined {
  const s = spoof.response;
  if (!s) return undefined;
  if (toHttps(base) && !toHttps(spoof) && s.status < 400) {
    return `answered ${s.status} instead of the https redirect`;
  }
  if (!hasHsts(base) && hasHsts(spoof)) return 'sent HSTS over plain http';
  if (secureCookies(spoof) > secureCookies(base)) return 'set Secure cookies over plain http';
  return undefined;
}

/** Why a spoofed-http response over https shows belief, or undefined. */
function believedHttp(base: Exchange, spoof: Exchange): string | undefined {
  const s = spoof.response;
  if (!s) return undefined;
  if (!toHttps(base) && toHttps(spoof))
    return `redirected an https request to ${redirectTarget(s, spoof.url)?.href}`;
  if (hasHsts(base) && !hasHsts(spoof)) return 'dropped HSTS from an https response';
  return undefined;
}

async function probeClaims(
  ctx: AuditContext,
  scheme: 'http' | 'https',
  claims: readonly Line[],
): Promise<{ found: string[]; evidence: Evidence[] }> {
  const found: string[] = [];
  const ev: Evidence[] = [];
  // Belief is a change from what the app concludes without the claims.
  const base = await ctx.probeBaseline(scheme);
  const before = base.answer?.view.scheme;
  if (!before) return { found, evidence: ev };
  const all = await ctx.probe(
    scheme,
    `probe over ${scheme} with every spoofed scheme header`,
    claims,
  );
  if (!all.answer || all.answer.view.scheme === before) return { found, evidence: ev };
  for (const line of claims) {
    const one = await ctx.probe(scheme, `probe over ${scheme} with ${line[0]}: ${line[1]}`, [line]);
    if (one.answer && one.answer.view.scheme !== before) {
      found.push(
        `${line[0]}: ${line[1]} over ${scheme} made the app believe ${one.answer.view.scheme}`,
      );
      ev.push(
        evidence(
          one.exchange,
          [],
          [`probe view.scheme: ${one.answer.view.scheme} (without it: ${before})`],
        ),
      );
    }
  }
  return { found, evidence: ev };
}

/** Send all claims at once; when belief shows, send each alone to name the header. */
async function spoofRound(
  ctx: AuditContext,
  base: Exchange,
  url: URL,
  claims: readonly Line[],
  believed: (b: Exchange, s: Exchange) => string | undefined,
): Promise<{ found: string[]; evidence: Evidence[] }> {
  const scheme = url.protocol.slice(0, -1);
  const all = await ctx.send(`GET ${url.href} with every spoofed scheme header`, {
    url,
    headers: claims,
  });
  const found: string[] = [];
  const ev: Evidence[] = [];
  if (!believed(base, all)) return { found, evidence: [evidence(all)] };
  for (const line of claims) {
    const one = await ctx.send(`GET ${url.href} with ${line[0]}: ${line[1]}`, {
      url,
      headers: [line],
    });
    const why = believed(base, one);
    if (why) {
      found.push(`${line[0]}: ${line[1]} over ${scheme} ${why}`);
      ev.push(evidence(one));
    }
  }
  if (found.length === 0) {
    found.push(`the spoofed scheme headers together over ${scheme}: ${believed(base, all)}`);
    ev.push(evidence(all));
  }
  return { found, evidence: ev };
}

/** The check. */
export const protoSpoof: Check = {
  id: 'proto-spoof',
  title: 'spoofed scheme headers ignored',
  severity: 'high',
  needsProbe: false,
  description:
    'Scheme headers sent by a client (X-Forwarded-Proto, Forwarded proto, X-Forwarded-Ssl, X-Forwarded-Protocol, CloudFront-Forwarded-Proto, CF-Visitor, ...) change nothing: http stays http, https stays https.',
  fix: 'Overwrite the scheme headers at the first proxy instead of appending or passing them through: nginx `proxy_set_header X-Forwarded-Proto $scheme;` (and `proxy_set_header Forwarded "";`), HAProxy `http-request set-header X-Forwarded-Proto` (never `add-header`) plus `http-request del-header` for X-Forwarded-Ssl/-Protocol/CF-Visitor; in the app believe only the families your proxies set, from the proxies you name (proxytrust `trustedProxies` and `headers`, Django `SECURE_PROXY_SSL_HEADER` only behind a proxy that overwrites it).',
  async run(ctx) {
    const found: string[] = [];
    const ev: Evidence[] = [];
    const httpBase = await ctx.baselineHttp();
    const httpsBase = await ctx.baselineHttps();
    if (!httpsBase.response) {
      return error(`https request failed: ${httpsBase.error?.message}`, [evidence(httpsBase)]);
    }
    const rounds: Promise<{ found: string[]; evidence: Evidence[] }>[] = [];
    if (httpBase.response) {
      rounds.push(spoofRound(ctx, httpBase, ctx.httpUrl, HTTPS_CLAIMS, believedHttps));
    }
    rounds.push(spoofRound(ctx, httpsBase, ctx.url, HTTP_CLAIMS, believedHttp));
    if (ctx.options.probeSecret) {
      rounds.push(probeClaims(ctx, 'https', HTTP_CLAIMS));
      if (httpBase.response) rounds.push(probeClaims(ctx, 'http', HTTPS_CLAIMS));
    }
    for (const r of await Promise.all(rounds)) {
      found.push(...r.found);
      ev.push(...r.evidence);
    }
    if (found.length > 0) {
      return fail(
        `client-sent scheme headers are believed: ${found[0]}${found.length > 1 ? ` (+${found.length - 1} more)` : ''}`,
        ev,
      );
    }
    if (!httpBase.response && !ctx.options.probeSecret && ev.length === 0) {
      return skip('nothing to spoof against');
    }
    return pass(
      `${HTTPS_CLAIMS.length + HTTP_CLAIMS.length} spoofed scheme headers changed nothing${httpBase.response ? '' : ' (https only: no plain-http entry point)'}`,
      ev,
    );
  },
};
