/**
 * `proto-spoof`: scheme headers sent by a client change nothing. Over plain http, a client
 * that claims https must still be redirected (and get no HSTS, no Secure cookies); over
 * https, a client that claims http must not be redirected, lose HSTS or get http links.
 * With the probe, the app's own belief is read too.
 *
 * Belief is proven only by a response of the same kind as the honest one that acts on the
 * forged scheme. A refusal (a 4xx or 5xx where the honest request succeeded, such as
 * gunicorn's 400 "Contradictory scheme headers") proves that the header reached a server
 * that judges it, not that it was believed: that is a warning naming the header.
 */
import { type Check, error, fail, from, pass, skip, warn } from '../check.js';
import {
  type AuditContext,
  type Exchange,
  evidence,
  isRedirect,
  redirectTarget,
} from '../context.js';
import { headerValues, hostnameOf } from '../engine.js';
import type { Evidence } from '../types.js';
import { noAnswer, refusedProbe } from './probe-util.js';

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
const toHttp = (ex: Exchange) =>
  isRedirect(ex.response) && redirectTarget(ex.response!, ex.url)?.protocol === 'http:';
const hasHsts = (ex: Exchange) =>
  headerValues(ex.response!, 'strict-transport-security').length > 0;
const secureCookies = (ex: Exchange) =>
  headerValues(ex.response!, 'set-cookie').filter((c) => /;\s*secure\s*(;|$)/i.test(c)).length;

/**
 * The schemes of the absolute links to `host` in a page (`href`/`src`/`action` and any
 * `http(s)://host` in the body): links that change scheme show what the app believes.
 */
export function linkSchemes(ex: Exchange, host: string): Set<'http' | 'https'> {
  const out = new Set<'http' | 'https'>();
  const body = ex.response?.body.toString('latin1') ?? '';
  const h = host.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(https?)://${h}(?=[:/"'?#\\s<>]|$)`, 'gi');
  for (const m of body.matchAll(re)) out.add(m[1]!.toLowerCase() as 'http' | 'https');
  return out;
}

/** A refusal: the forged request got a 4xx/5xx where the honest one did not. */
function refused(base: Exchange, spoof: Exchange): boolean {
  const b = base.response;
  const s = spoof.response;
  return !!b && !!s && s.status >= 400 && b.status < 400;
}

/** Why a spoofed-https response over http shows belief, or undefined. */
function believedHttps(base: Exchange, spoof: Exchange, host: string): string | undefined {
  const s = spoof.response;
  if (!s || !base.response || refused(base, spoof) || s.status >= 400) return undefined;
  if (toHttps(base) && !toHttps(spoof)) {
    return `answered ${s.status} instead of the https redirect`;
  }
  if (!hasHsts(base) && hasHsts(spoof)) return 'sent HSTS over plain http';
  if (secureCookies(spoof) > secureCookies(base)) return 'set Secure cookies over plain http';
  const before = linkSchemes(base, host);
  const after = linkSchemes(spoof, host);
  if (before.has('http') && !before.has('https') && after.has('https')) {
    return "turned the page's http links into https links";
  }
  return undefined;
}

/** Why a spoofed-http response over https shows belief, or undefined. */
function believedHttp(base: Exchange, spoof: Exchange, host: string): string | undefined {
  const s = spoof.response;
  const b = base.response;
  if (!s || !b || refused(base, spoof) || s.status >= 400) return undefined;
  if (!toHttps(base) && toHttps(spoof))
    return `redirected an https request to ${redirectTarget(s, spoof.url)?.href}`;
  if (!toHttp(base) && toHttp(spoof))
    return `redirected an https request to plain http (${redirectTarget(s, spoof.url)?.href})`;
  // Like with like: the same status as the honest https response.
  if (s.status !== b.status) return undefined;
  if (hasHsts(base) && !hasHsts(spoof)) return 'dropped HSTS from an https response';
  const before = linkSchemes(base, host);
  const after = linkSchemes(spoof, host);
  if (before.has('https') && !before.has('http') && after.has('http')) {
    return "turned the page's https links into http links";
  }
  return undefined;
}

interface Findings {
  /** Forged headers the app acted on. */
  readonly believed: string[];
  /** Forged headers that made the deployment refuse the request: [header, text]. */
  readonly refusals: [string, string][];
  readonly evidence: Evidence[];
  /** True when the probe answered (so the verdict rests on it too). */
  probed?: boolean;
  /** Where these findings came from. */
  readonly source: 'probe' | 'outside';
  /** Set when the probe was asked but gave no answer: why. */
  noProbe?: string;
}

async function probeClaims(
  ctx: AuditContext,
  scheme: 'http' | 'https',
  claims: readonly Line[],
): Promise<Findings> {
  const out: Findings = { believed: [], refusals: [], evidence: [], source: 'probe' };
  // Belief is a change from what the app concludes without the claims.
  const base = await ctx.probeBaseline(scheme);
  const before = base.answer?.view.scheme;
  if (!before) {
    // Over http a redirect before the app is expected (the entry point redirects).
    if (!base.redirected) out.noProbe = base.answer ? 'the probe says no scheme' : noAnswer(base);
    return out;
  }
  out.probed = true;
  const all = await ctx.probe(
    scheme,
    `probe over ${scheme} with every spoofed scheme header`,
    claims,
  );
  if (all.answer?.view.scheme === before && !refusedProbe(all)) return out;
  for (const line of claims) {
    const one = await ctx.probe(scheme, `probe over ${scheme} with ${line[0]}: ${line[1]}`, [line]);
    if (one.answer?.view.scheme && one.answer.view.scheme !== before) {
      out.believed.push(
        `${line[0]}: ${line[1]} over ${scheme} made the app believe ${one.answer.view.scheme} (probe)`,
      );
      out.evidence.push(
        evidence(
          one.exchange,
          [],
          [`probe view.scheme: ${one.answer.view.scheme} (without it: ${before})`],
        ),
      );
    } else if (refusedProbe(one)) {
      out.refusals.push([
        line[0],
        `${line[0]}: ${line[1]} over ${scheme}: the probe request was refused (${one.exchange.response?.status})`,
      ]);
      out.evidence.push(evidence(one.exchange));
    }
  }
  return out;
}

/**
 * Send all claims at once; when that shows belief or a refusal, send each alone to name
 * the header (claims that contradict each other can be refused together and believed alone).
 */
async function spoofRound(
  ctx: AuditContext,
  base: Exchange,
  url: URL,
  claims: readonly Line[],
  believed: (b: Exchange, s: Exchange, host: string) => string | undefined,
): Promise<Findings> {
  const scheme = url.protocol.slice(0, -1);
  const host = hostnameOf(ctx.url);
  const all = await ctx.send(`GET ${url.href} with every spoofed scheme header`, {
    url,
    headers: claims,
  });
  const out: Findings = { believed: [], refusals: [], evidence: [], source: 'outside' };
  const allBelieved = believed(base, all, host);
  const allRefused = refused(base, all);
  if (!allBelieved && !allRefused) {
    out.evidence.push(evidence(all));
    return out;
  }
  const singles = await Promise.all(
    claims.map((line) =>
      ctx.send(`GET ${url.href} with ${line[0]}: ${line[1]}`, { url, headers: [line] }),
    ),
  );
  singles.forEach((one, i) => {
    const line = claims[i]!;
    const why = believed(base, one, host);
    if (why) {
      out.believed.push(`${line[0]}: ${line[1]} over ${scheme} ${why}`);
      out.evidence.push(evidence(one, ['content-length']));
    } else if (refused(base, one)) {
      out.refusals.push([
        line[0],
        `${line[0]}: ${line[1]} over ${scheme} was refused with ${one.response!.status} (the honest request got ${base.response!.status})`,
      ]);
      out.evidence.push(evidence(one, ['content-length']));
    }
  });
  if (out.believed.length === 0 && allBelieved) {
    out.believed.push(`the spoofed scheme headers together over ${scheme}: ${allBelieved}`);
    out.evidence.push(evidence(all));
  }
  if (out.refusals.length === 0 && allRefused) {
    out.refusals.push([
      'the scheme headers together',
      `the spoofed scheme headers together over ${scheme} were refused with ${all.response!.status}, none alone`,
    ]);
    out.evidence.push(evidence(all));
  }
  return out;
}

/** The proxy settings that strip the named headers. */
function stripFix(headers: readonly string[]): string {
  const named = headers.filter((h) => /^[A-Za-z-]+$/.test(h));
  const list = named.length > 0 ? named : ['X-Forwarded-Ssl', 'X-Forwarded-Protocol'];
  return `Strip the client's ${list.join(', ')} at the first proxy, so that only the scheme header it sets itself reaches the app server: nginx ${list.map((h) => `\`proxy_set_header ${h} "";\``).join(' ')}, HAProxy ${list.map((h) => `\`http-request del-header ${h}\``).join(' ')}, Apache \`RequestHeader unset ${list[0]}\`, Caddy \`header_up -${list[0]}\`. The refusal (for example gunicorn's 400 "Contradictory scheme headers", which judges X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol) shows that the header reaches a server that reads it.`;
}

/** The check. */
export const protoSpoof: Check = {
  id: 'proto-spoof',
  title: 'spoofed scheme headers ignored',
  severity: 'high',
  needsProbe: false,
  description:
    'Scheme headers sent by a client (X-Forwarded-Proto, Forwarded proto, X-Forwarded-Ssl, X-Forwarded-Protocol, CloudFront-Forwarded-Proto, CF-Visitor, ...) change nothing: http stays http, https stays https. A refusal (4xx/5xx) is a warning naming the header, not proof of belief.',
  fix: 'Overwrite the scheme headers at the first proxy instead of appending or passing them through: nginx `proxy_set_header X-Forwarded-Proto $scheme;` (and `proxy_set_header Forwarded "";`), HAProxy `http-request set-header X-Forwarded-Proto` (never `add-header`) plus `http-request del-header` for X-Forwarded-Ssl/-Protocol/CF-Visitor; in the app believe only the families your proxies set, from the proxies you name (proxytrust `trustedProxies` and `headers`, Django `SECURE_PROXY_SSL_HEADER` only behind a proxy that overwrites it, gunicorn `forwarded_allow_ips` only the proxy).',
  async run(ctx) {
    const httpBase = await ctx.baselineHttp();
    const httpsBase = await ctx.baselineHttps();
    if (!httpsBase.response) {
      return error(`https request failed: ${httpsBase.error?.message}`, [evidence(httpsBase)]);
    }
    const rounds: Promise<Findings>[] = [];
    if (httpBase.response) {
      rounds.push(spoofRound(ctx, httpBase, ctx.httpUrl, HTTPS_CLAIMS, believedHttps));
    }
    rounds.push(spoofRound(ctx, httpsBase, ctx.url, HTTP_CLAIMS, believedHttp));
    if (ctx.options.probeSecret) {
      rounds.push(probeClaims(ctx, 'https', HTTP_CLAIMS));
      if (httpBase.response) rounds.push(probeClaims(ctx, 'http', HTTPS_CLAIMS));
    }
    const believed: string[] = [];
    const refusals: [string, string][] = [];
    const ev: Evidence[] = [];
    let probed = false;
    let noProbe: string | undefined;
    const believedBy = new Set<'probe' | 'outside'>();
    for (const r of await Promise.all(rounds)) {
      believed.push(...r.believed);
      refusals.push(...r.refusals);
      ev.push(...r.evidence);
      probed ||= r.probed === true;
      noProbe ??= r.noProbe;
      if (r.believed.length > 0) believedBy.add(r.source);
    }
    const basis = probed ? 'probe+outside' : 'outside';
    const tail = noProbe && !probed ? ` (${noProbe}: outside signs only)` : '';
    if (believed.length > 0) {
      return from(
        believedBy.size === 2 ? 'probe+outside' : [...believedBy][0]!,
        fail(
          `client-sent scheme headers are believed: ${believed[0]}${believed.length > 1 ? ` (+${believed.length - 1} more)` : ''}${tail}`,
          ev,
        ),
      );
    }
    if (refusals.length > 0) {
      const headers = [...new Set(refusals.map(([h]) => h))];
      return from(
        basis,
        warn(
          `client-sent ${headers.join(', ')} reach${headers.length === 1 ? 'es' : ''} a server that refuses the request, not believed: ${refusals[0]![1]}${refusals.length > 1 ? ` (+${refusals.length - 1} more)` : ''}${tail}`,
          ev,
          stripFix(headers),
        ),
      );
    }
    if (!httpBase.response && !ctx.options.probeSecret && ev.length === 0) {
      return skip('nothing to spoof against');
    }
    return from(
      basis,
      pass(
        `${HTTPS_CLAIMS.length + HTTP_CLAIMS.length} spoofed scheme headers changed nothing${probed ? ', outside and in what the probe says the app believes' : ''}${httpBase.response ? '' : ' (https only: no plain-http entry point)'}${tail}`,
        ev,
      ),
    );
  },
};
