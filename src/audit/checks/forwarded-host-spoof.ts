/**
 * `forwarded-host-spoof`: X-Forwarded-Host and Forwarded host sent by a client are never
 * reflected in Location headers, other headers, bodies or links (poisoned password-reset
 * links, cache poisoning, open redirects).
 */
import { type Check, error, fail, from, pass, warn } from '../check.js';
import { type Exchange, evidence, findReflections } from '../context.js';
import type { Evidence } from '../types.js';
import { hostBelief } from './host-header.js';

/** Evidence of the outside requests that carried a forged host (for a warning). */
function carriedEv(tried: readonly Exchange[]): Evidence[] {
  return tried.filter((t) => t.response).map((t) => evidence(t));
}

/** The check. */
export const forwardedHostSpoof: Check = {
  id: 'forwarded-host-spoof',
  title: 'spoofed forwarded host ignored',
  severity: 'high',
  needsProbe: false,
  description:
    'A client-sent X-Forwarded-Host or Forwarded host (a per-run canary) is never reflected in Location, other headers or the body, over https or http; with the probe, the app does not believe it either.',
  fix: 'Drop or overwrite client-sent host headers at the edge (nginx `proxy_set_header X-Forwarded-Host $host;` and `proxy_set_header Forwarded "";`, HAProxy `http-request del-header X-Forwarded-Host`), believe them in the app only from trusted proxies (Django `USE_X_FORWARDED_HOST = False` unless the proxy overwrites it; proxytrust `trustedProxies` plus `allowedHosts`), and build absolute URLs from the allowed host.',
  async run(ctx) {
    const c = ctx.canary.host;
    const lines = [
      ['X-Forwarded-Host', c],
      ['Forwarded', `host=${c}`],
    ] as const;
    const httpBase = await ctx.baselineHttp();
    const urls = [ctx.url, ...(httpBase.response ? [ctx.httpUrl] : [])];
    const found: string[] = [];
    const ev: Evidence[] = [];
    // Reflected only in the body of a refusal (an error page quoting the host): refused, not used.
    const quoted: string[] = [];
    const quotedEv: Evidence[] = [];
    const tried: Exchange[] = [];
    const sentWith = new Map<Exchange, string>();
    await Promise.all(
      urls.flatMap((url) =>
        lines.map(async (line) => {
          const ex = await ctx.send(`GET ${url.href} with ${line[0]}: ${line[1]}`, {
            url,
            headers: [line],
          });
          tried.push(ex);
          sentWith.set(ex, line[0].toLowerCase());
          if (!ex.response) return;
          const r = findReflections(ex.response, c);
          const refusal = ex.response.status >= 400 && r.every((x) => x.startsWith('body: '));
          if (r.length > 0 && refusal) {
            quoted.push(
              `${line[0]} over ${url.protocol.slice(0, -1)} is refused with ${ex.response.status}, quoted in the error page`,
            );
            quotedEv.push(evidence(ex, [], r));
          } else if (r.length > 0) {
            found.push(`${line[0]} over ${url.protocol.slice(0, -1)} is reflected (${r[0]})`);
            ev.push(evidence(ex, [], r));
          }
        }),
      ),
    );
    // The probe: what host the app believed with the forged headers, and whether they
    // reached it at all (its `forwarded` lines).
    let probeUsed = false;
    let probeNote = '';
    let refusedByApp: string | undefined;
    const probeEv: Evidence[] = [];
    if (ctx.options.probeSecret) {
      const p = await ctx.probe(
        'https',
        `probe over https with X-Forwarded-Host and Forwarded host=${c}`,
        lines,
      );
      const b = hostBelief(p, c);
      if (b.evidence) probeEv.push(b.evidence);
      const reached = Object.entries(p.answer?.forwarded ?? {})
        .filter(([name, ls]) => name !== 'host' && ls.some((l) => l.toLowerCase().includes(c)))
        .map(([name]) => name);
      // No outside request that carried a header the app took was served: each was refused
      // (4xx) or redirected without the canary (a reflection is in `found`). The framework
      // believes it; the app's own host check (or a redirect before it) stops it.
      const carried = tried.filter(
        (t) => reached.length === 0 || reached.includes(sentWith.get(t)!),
      );
      const allRefused =
        carried.length > 0 &&
        carried.every((t) => t.response && t.response.status >= 300 && t.response.status < 500);
      if (b.kind === 'believed' && found.length === 0 && allRefused) {
        refusedByApp = `the client-sent ${reached.join(', ') || 'forwarded host'} reach${reached.length === 1 ? 'es' : ''} the app, and ${b.who} says its framework takes it as its host (view.host ${b.host}); every request carrying it is refused or redirected (${[...new Set(carried.map((t) => t.response!.status))].join(', ')}), so only the app's own host check stands in the way`;
        probeUsed = true;
      } else if (b.kind === 'believed') {
        found.push(`the app believes the client-sent host: ${b.text}`);
        ev.push(...probeEv);
        probeUsed = true;
      } else if (b.kind === 'refused' && reached.length > 0) {
        refusedByApp = `the client-sent ${reached.join(', ')} reach${reached.length === 1 ? 'es' : ''} the app, which takes it as its host and refuses it: ${b.text}`;
        probeUsed = true;
      } else if (p.answer) {
        probeUsed = true;
        probeNote = reached.length
          ? `; ${reached.join(', ')} reach${reached.length === 1 ? 'es' : ''} the app, which does not believe ${reached.length === 1 ? 'it' : 'them'} (${b.text})`
          : `; ${b.text}`;
      } else {
        probeNote = `; ${b.text}, outside signs only`;
      }
    }
    const basis = probeUsed ? 'probe+outside' : 'outside';
    if (found.length > 0)
      return from(basis, fail(`client-sent forwarded host is used: ${found[0]}`, ev));
    const failed = tried.find((t) => !t.response && t.url.protocol === 'https:');
    if (failed) return error(`request failed: ${failed.error?.message}`, [evidence(failed)]);
    if (refusedByApp) {
      return from(
        basis,
        warn(
          refusedByApp,
          [...quotedEv, ...carriedEv(tried), ...probeEv],
          'Drop client-sent X-Forwarded-Host and Forwarded at the edge (nginx `proxy_set_header X-Forwarded-Host $host;` and `proxy_set_header Forwarded "";`), or stop believing them in the app (Django `USE_X_FORWARDED_HOST = False` unless the proxy overwrites it): today only the allowed-hosts list stands between a client and the host the app builds links with.',
        ),
      );
    }
    if (quoted.length > 0) {
      return from(
        basis,
        warn(
          `the client-sent host reaches the app, which refuses it: ${quoted[0]}`,
          quotedEv,
          'Drop client-sent X-Forwarded-Host and Forwarded at the edge (nginx `proxy_set_header X-Forwarded-Host $host;` and `proxy_set_header Forwarded "";`), and turn off debug error pages (Django `DEBUG = False`).',
        ),
      );
    }
    return from(
      basis,
      pass(`X-Forwarded-Host and Forwarded host=${c} are not reflected${probeNote}`, [
        ...tried.map((t) => evidence(t)),
        ...probeEv,
      ]),
    );
  },
};
