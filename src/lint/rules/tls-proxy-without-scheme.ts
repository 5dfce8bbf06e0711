import { listenOf, proxySites, SCHEME_HEADERS } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { acmeOnly, effectiveNames, serverNode, thirdParty } from './helpers.js';

/** A TLS server proxies without telling the app the scheme. */
export const tlsProxyWithoutScheme: NginxRule = {
  id: 'nginx/tls-proxy-without-scheme',
  kind: 'nginx',
  severity: 'warning',
  title: 'A TLS server proxies without setting the scheme',
  description:
    "A server that terminates TLS proxies to the app without a scheme header (X-Forwarded-Proto or Forwarded) in the location's effective headers: the app believes http (http:// links, redirect loops), or believes whatever scheme header the client sent.",
  fix: 'Add proxy_set_header X-Forwarded-Proto $scheme; to the location (or to the server, in every level that sets its own proxy_set_header).',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 443 ssl;\n  ssl_certificate a.pem;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 443 ssl;\n  ssl_certificate a.pem;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const site of proxySites(root)) {
      const srv = serverNode(site.scope);
      if (!srv || !listenOf(srv).tls || thirdParty(site.pass, root) || acmeOnly(site.scope))
        continue;
      const names = effectiveNames(site);
      if (!names || [...names].some((h) => SCHEME_HEADERS.has(h))) continue;
      hits.push({
        at: site.pass,
        message:
          'this TLS server proxies without a scheme header: the app cannot tell the request came over https',
        evidence: [site.pass],
      });
    }
    return hits;
  },
};
