import {
  atEdge,
  forwardsPlain,
  frontends,
  httpMode,
  locOf,
  pathsOf,
  routes,
  shownLine,
  simulate,
} from '../haproxy/flow.js';
import type { HaproxyRule, Hit } from '../rule.js';

/** A client-facing frontend that forwards the client's own Forwarded header to its app. */
export const haproxyForwardedNotCleared: HaproxyRule = {
  id: 'haproxy/forwarded-not-cleared',
  kind: 'haproxy',
  severity: 'warning',
  title: 'The client’s Forwarded header is not cleared at the edge',
  description:
    "HAProxy passes every header it does not touch. A client-facing frontend that forwards to its app and leaves RFC 7239 `Forwarded` alone hands the app the client's own `Forwarded: for=...;proto=https;host=...`; frameworks and libraries that prefer Forwarded (or read both) then believe a forged client address, scheme or host. `option forwarded` (2.7+) appends to the client's header, it does not replace it.",
  fix: 'Clear it in the frontend: http-request del-header Forwarded (or write your own with http-request set-header Forwarded "for=%[src];proto=https" if { ssl_fc }).',
  examples: {
    bad: [
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  http-request set-header X-Forwarded-For %[src]\n  http-request set-header X-Forwarded-Proto http\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
    ],
    good: [
      {
        text: 'frontend fe\n  mode http\n  bind :80\n  http-request set-header X-Forwarded-For %[src]\n  http-request set-header X-Forwarded-Proto http\n  http-request del-header Forwarded\n  default_backend app\n\nbackend app\n  mode http\n  server a 10.0.0.5:8000\n',
      },
      {
        text: 'frontend fe\n  mode tcp\n  bind :443\n  default_backend app\n\nbackend app\n  mode tcp\n  server a 10.0.0.5:8443\n',
      },
    ],
  },
  check({ proxies }) {
    const hits: Hit[] = [];
    for (const fe of frontends(proxies)) {
      if (!atEdge(fe)) continue;
      let found = false;
      for (const be of routes(fe, proxies)) {
        if (found || (!httpMode(fe) && !(be && httpMode(be)))) continue;
        for (const path of pathsOf(fe)) {
          if (found || (path === 'plain' && !forwardsPlain(fe))) continue;
          const fwd = simulate(fe, be, path).get('forwarded');
          if (fwd && fwd.state !== 'client' && fwd.state !== 'append' && fwd.state !== 'ifabsent')
            continue;
          found = true;
          hits.push({
            at: locOf(fe.section.header),
            message:
              fwd?.state === 'append'
                ? `option forwarded appends to the client's own Forwarded header on the client-facing ${fe.type} ${fe.name}`
                : `the client's own Forwarded header passes through the client-facing ${fe.type} ${fe.name} to the app`,
            evidence: [shownLine(fe.section.header), ...(fwd?.by ? [shownLine(fwd.by.line)] : [])],
          });
        }
      }
    }
    return hits;
  },
};
