import { childScope, headerName, own, type Scope, scopes } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { atEdge, takesEffect } from './helpers.js';

/** $proxy_add_x_forwarded_for on the client-facing server keeps forged entries. */
export const xffAppendAtEdge: NginxRule = {
  id: 'nginx/xff-append-at-edge',
  kind: 'nginx',
  severity: 'warning',
  title: '$proxy_add_x_forwarded_for at the edge',
  description:
    "$proxy_add_x_forwarded_for appends the peer to whatever X-Forwarded-For the client sent. On a server that faces clients (no set_real_ip_from) the client's forged entries stay on the left, and an app that reads the leftmost entry (or trusts one hop too many) takes a forged address.",
  fix: 'At the edge, overwrite it: proxy_set_header X-Forwarded-For $remote_addr; (keep $proxy_add_x_forwarded_for only behind a set_real_ip_from you trust).',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://app;\n  }\n}\n',
      },
      {
        text: 'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  location / {\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    const visit = (s: Scope, edge: boolean) => {
      for (const n of own(s, 'proxy_set_header')) {
        if (
          headerName(n) !== 'x-forwarded-for' ||
          !(n.args[1] ?? '').includes('$proxy_add_x_forwarded_for')
        )
          continue;
        if (!edge || !takesEffect(s)) continue;
        hits.push({
          at: n,
          message:
            "X-Forwarded-For appends to the client's own list on a client-facing server: forged entries survive",
          evidence: [n],
        });
      }
    };
    for (const s of scopes(root)) if (s.kind !== 'http' && s.kind !== 'main') visit(s, atEdge(s));
    // lines at http level: report when a client-facing server under it inherits them
    for (const s of scopes(root)) {
      if (s.kind !== 'http' && s.kind !== 'main') continue;
      const servers = s.children.filter((n) => n.name === 'server').map((n) => childScope(s, n));
      visit(
        s,
        servers.some((srv) => atEdge(srv) && own(srv, 'proxy_set_header').length === 0),
      );
    }
    return hits;
  },
};
