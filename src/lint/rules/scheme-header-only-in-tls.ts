import {
  effective,
  headerName,
  listenOf,
  own,
  proxySites,
  SCHEME_HEADERS,
  type Scope,
} from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { effectiveNames, serverNode, thirdParty } from './helpers.js';

const names = (s: Scope) =>
  new Set(own(s, 'server_name').flatMap((n) => n.args.map((a) => a.toLowerCase())));

/** The X-Forwarded-Protocol report: the scheme header is set on 443 only, so port 80 passes the client's. */
export const schemeHeaderOnlyInTls: NginxRule = {
  id: 'nginx/scheme-header-only-in-tls',
  kind: 'nginx',
  severity: 'error',
  title: 'A scheme header set only in the TLS server',
  description:
    "The TLS server sets a scheme header (say X-Forwarded-Protocol https) while the plain-http server for the same site proxies without setting it: over port 80 the client's own header passes through untouched, and the app believes a forged https.",
  fix: 'Set the same header in the plain-http server too (proxy_set_header X-Forwarded-Protocol $scheme;), or clear it there (proxy_set_header X-Forwarded-Protocol "";), or make port 80 only redirect.',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 443 ssl;\n  server_name a.example;\n  location / {\n    proxy_set_header X-Forwarded-Protocol https;\n    proxy_pass http://app;\n  }\n}\nserver {\n  listen 80;\n  server_name a.example;\n  location / {\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 443 ssl;\n  server_name a.example;\n  location / {\n    proxy_set_header X-Forwarded-Protocol https;\n    proxy_pass http://app;\n  }\n}\nserver {\n  listen 80;\n  server_name a.example;\n  location / {\n    proxy_set_header X-Forwarded-Protocol http;\n    proxy_pass http://app;\n  }\n}\n',
      },
      {
        text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}\nserver {\n  listen 80;\n  return 301 https://$host$request_uri;\n}\n',
      },
    ],
  },
  check({ root }) {
    const sites = proxySites(root).filter((s) => serverNode(s.scope) && !thirdParty(s.pass, root));
    const tlsHeaders = new Map<string, { server: Scope; line: (typeof sites)[number]['pass'] }>();
    for (const site of sites) {
      const srv = serverNode(site.scope)!;
      const l = listenOf(srv);
      if (!l.tls || l.plain) continue;
      for (const line of effective(site.scope, 'proxy_set_header').lines) {
        const h = headerName(line);
        if (SCHEME_HEADERS.has(h) && (line.args[1] ?? '') !== '' && !tlsHeaders.has(h))
          tlsHeaders.set(h, { server: srv, line });
      }
    }
    const hits: Hit[] = [];
    for (const site of sites) {
      const srv = serverNode(site.scope)!;
      const l = listenOf(srv);
      if (!l.plain || l.tls) continue;
      const have = effectiveNames(site);
      if (!have) continue;
      for (const [h, tls] of tlsHeaders) {
        if (have.has(h)) continue;
        const a = names(srv);
        const b = names(tls.server);
        if (a.size > 0 && b.size > 0 && ![...a].some((x) => b.has(x))) continue;
        hits.push({
          at: site.pass,
          message: `${tls.line.args[0]} is set only in the TLS server: over plain http this location passes the client's own ${tls.line.args[0]} to the app`,
          evidence: [tls.line, site.pass],
          fix: `Add proxy_set_header ${tls.line.args[0]} $scheme; (or "" to clear it) to this server, or make it only redirect to https.`,
        });
        break;
      }
    }
    return hits;
  },
};
