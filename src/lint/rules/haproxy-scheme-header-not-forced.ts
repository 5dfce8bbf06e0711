import {
  forwardsPlain,
  frontends,
  locOf,
  pathsOf,
  routes,
  rulesOf,
  SCHEME_HEADERS,
  shownLine,
  simulate,
} from '../haproxy/flow.js';
import type { HLine } from '../haproxy/parser.js';
import type { HaproxyRule, Hit } from '../rule.js';

/**
 * A scheme header that the client can still supply: set only when absent, or set only
 * `if { ssl_fc }` and neither set nor cleared for plain http.
 */
export const haproxySchemeHeaderNotForced: HaproxyRule = {
  id: 'haproxy/scheme-header-not-forced',
  kind: 'haproxy',
  severity: 'error',
  title: 'A scheme header the client can still supply',
  description:
    "A scheme header (X-Forwarded-Proto, X-Forwarded-Ssl, ...) written only when the client sent none (`unless { req.hdr(X-Forwarded-Proto) -m found }`) keeps a forged one; one written only `if { ssl_fc }` leaves the client's own on plain http requests. Either way a client on plain http sends `X-Forwarded-Proto: https` and the app believes the request was https: secure cookies, HSTS and redirect logic follow a forged scheme.",
  fix: 'Write it on every listener: http-request set-header X-Forwarded-Proto https if { ssl_fc } and http-request set-header X-Forwarded-Proto http if !{ ssl_fc } (or http-request del-header X-Forwarded-Proto on the plain-http frontend, or redirect plain http: http-request redirect scheme https unless { ssl_fc }).',
  examples: {
    bad: [
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https unless { req.hdr(X-Forwarded-Proto) -m found }\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
    ],
    good: [
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request redirect scheme https unless { ssl_fc }\n  http-request set-header X-Forwarded-Proto https if { ssl_fc }\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
    ],
  },
  check({ proxies }) {
    const hits: Hit[] = [];
    const seen = new Set<HLine>();
    const push = (at: HLine, message: string, evidence: HLine[]) => {
      if (seen.has(at)) return;
      seen.add(at);
      hits.push({ at: locOf(at), message, evidence: evidence.map(shownLine) });
    };
    // the scheme headers this file writes anywhere: the app behind it reads them
    const written = new Set(
      proxies.flatMap((p) =>
        p.rules
          .filter(
            (r) =>
              r.dir === 'request' &&
              (r.action === 'set' || r.action === 'add') &&
              SCHEME_HEADERS.includes(r.name),
          )
          .map((r) => r.name),
      ),
    );
    if (written.size === 0) return hits;
    for (const fe of frontends(proxies)) {
      for (const be of routes(fe, proxies)) {
        for (const path of pathsOf(fe)) {
          if (path === 'plain' && !forwardsPlain(fe)) continue;
          const m = simulate(fe, be, path);
          for (const h of written) {
            const e = m.get(h);
            if (e?.state === 'ifabsent' && e.by && 'cond' in e.by) {
              push(
                e.by.line,
                `${e.by.shown} is written only when the client sent none: a client's forged ${e.by.shown} reaches the app`,
                [e.by.line],
              );
              continue;
            }
            if (path !== 'plain' || (e && e.state !== 'client')) continue;
            // set somewhere for TLS only: point at that line when this frontend has it
            const tlsOnly = rulesOf(fe, be).find(
              (r) => r.name === h && r.dir === 'request' && r.cond.tls === true,
            );
            const at = tlsOnly?.line ?? fe.section.header;
            push(
              at,
              `${tlsOnly?.shown ?? h} is not set or cleared for plain http on ${fe.type} ${fe.name}: a client on http sends its own and the app believes it`,
              [fe.section.header, ...(tlsOnly ? [tlsOnly.line] : [])],
            );
          }
        }
      }
    }
    return hits;
  },
};
