import {
  backendsOf,
  frontends,
  HOST_HEADERS,
  locOf,
  pathsOf,
  SCHEME_HEADERS,
  shownLine,
  simulate,
} from '../haproxy/flow.js';
import type { HeaderRule, HProxy } from '../haproxy/proxy.js';
import type { HaproxyRule, Hit } from '../rule.js';

const WATCHED = new Set([...SCHEME_HEADERS, ...HOST_HEADERS, 'forwarded', 'x-real-ip']);

/** `add-header` (or 1.x `reqadd`) of a scheme or host header keeps the client's own. */
export const haproxyAddHeaderForwarded: HaproxyRule = {
  id: 'haproxy/add-header-forwarded',
  kind: 'haproxy',
  severity: 'error',
  title: 'add-header of a forwarded header keeps the client’s',
  description:
    "`http-request add-header` (and 1.x `reqadd`) adds another header line and keeps the one the client sent. For a scheme or host header (X-Forwarded-Proto, X-Forwarded-Ssl, X-Forwarded-Host, X-Forwarded-Port, Forwarded, X-Real-IP) the server then gets two values, the client's first: most frameworks read the first one (or join them into `evil, https`), so a client sets the scheme or host the app believes.",
  fix: 'Replace the client’s value: http-request set-header X-Forwarded-Proto https if { ssl_fc } (and set-header ... http if !{ ssl_fc }); in 1.x, delete it first with reqidel ^X-Forwarded-Proto: before reqadd.',
  examples: {
    bad: [
      {
        text: 'frontend fe\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request add-header X-Forwarded-Proto https\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  reqadd X-Forwarded-Proto:\\ https\n  default_backend app\n\nbackend app\n  server a 10.0.0.5:8000\n',
      },
    ],
    good: [
      {
        text: 'frontend fe\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request set-header X-Forwarded-Proto https\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode http\n  bind :443 ssl crt /etc/haproxy/site.pem\n  http-request del-header X-Forwarded-Proto\n  http-request add-header X-Forwarded-Proto https\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
    ],
  },
  check({ proxies }) {
    const hits: Hit[] = [];
    const seen = new Set<HeaderRule>();
    const flag = (r: HeaderRule) => {
      if (seen.has(r)) return;
      seen.add(r);
      hits.push({
        at: locOf(r.line),
        message: `${r.legacy ? 'reqadd' : 'add-header'} ${r.shown} adds a second value after the client's own ${r.shown}: the app can read the client's`,
        evidence: [shownLine(r.line)],
      });
    };
    const reached = new Set<HProxy>();
    for (const fe of frontends(proxies)) {
      const bes = backendsOf(fe, proxies);
      for (const be of bes.length > 0 ? bes : [undefined]) {
        if (be) reached.add(be);
        for (const path of pathsOf(fe))
          simulate(fe, be, path, (r, before) => {
            if (r.action === 'add' && WATCHED.has(r.name) && before.state === 'client') flag(r);
          });
      }
    }
    // a backend no frontend reaches in this file: read on its own
    for (const be of proxies)
      if (be.type === 'backend' && !reached.has(be))
        for (const path of ['tls', 'plain'] as const)
          simulate(be, undefined, path, (r, before) => {
            if (r.action === 'add' && WATCHED.has(r.name) && before.state === 'client') flag(r);
          });
    return hits;
  },
};
