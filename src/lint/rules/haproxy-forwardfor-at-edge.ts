import {
  atEdge,
  frontends,
  httpMode,
  locOf,
  pathsOf,
  routes,
  shownLine,
  simulate,
} from '../haproxy/flow.js';
import type { HLine } from '../haproxy/parser.js';
import type { HaproxyRule, Hit } from '../rule.js';

/** `option forwardfor` on a client-facing frontend keeps the client's X-Forwarded-For. */
export const haproxyForwardforAtEdge: HaproxyRule = {
  id: 'haproxy/forwardfor-at-edge',
  kind: 'haproxy',
  severity: 'warning',
  title: 'option forwardfor keeps the client’s X-Forwarded-For at the edge',
  description:
    "`option forwardfor` adds HAProxy's own X-Forwarded-For line after the client's (with `if-none` it adds nothing when the client sent one). On a frontend that faces clients, the client's forged entries stay on the left, and an app that reads the leftmost entry (Express `trust proxy` true, uvicorn `--forwarded-allow-ips '*'`) or trusts one hop too many takes a forged address.",
  fix: 'At the edge, drop the client’s first: http-request del-header X-Forwarded-For (before option forwardfor runs; it runs after every http-request rule), or http-request set-header X-Forwarded-For %[src]. Keep the append only behind a load balancer you trust (accept-proxy, set-src).',
  examples: {
    bad: [
      {
        text: 'defaults\n  mode http\n  option forwardfor\n\nfrontend fe\n  bind :80\n  default_backend app\n\nbackend app\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  option forwardfor if-none\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
    ],
    good: [
      {
        text: 'defaults\n  mode http\n  option forwardfor\n\nfrontend fe\n  bind :80\n  http-request del-header X-Forwarded-For\n  default_backend app\n\nbackend app\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'defaults\n  mode http\n  option forwardfor\n\nfrontend fe\n  bind 10.0.0.2:80 accept-proxy\n  default_backend app\n\nbackend app\n  server a 10.0.0.5:8000\n',
      },
    ],
  },
  check({ proxies }) {
    const hits: Hit[] = [];
    const seen = new Set<HLine>();
    for (const fe of frontends(proxies)) {
      if (!atEdge(fe)) continue;
      for (const be of routes(fe, proxies)) {
        if (!httpMode(fe) && !(be && httpMode(be))) continue;
        for (const path of pathsOf(fe)) {
          const ff = be?.forwardfor ?? fe.forwardfor;
          if (!ff) continue;
          const e = simulate(fe, be, path).get(ff.header);
          if (!e || e.by !== ff || (e.state !== 'append' && e.state !== 'ifabsent')) continue;
          if (seen.has(ff.line)) continue;
          seen.add(ff.line);
          hits.push({
            at: locOf(ff.line),
            message:
              e.state === 'ifabsent'
                ? `option forwardfor if-none keeps the client's own ${ff.header} on the client-facing ${fe.type} ${fe.name}: a forged one reaches the app unchanged`
                : `option forwardfor appends to the client's own ${ff.header} on the client-facing ${fe.type} ${fe.name}: forged entries stay on the left`,
            evidence: [shownLine(ff.line), shownLine(fe.section.header)],
          });
        }
      }
    }
    return hits;
  },
};
