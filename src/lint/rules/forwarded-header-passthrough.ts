import { proxySites } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { acmeOnly, atEdge, effectiveNames, thirdParty } from './helpers.js';

const MUST = ['forwarded', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix'];
const SHOWN: Record<string, string> = {
  forwarded: 'Forwarded',
  'x-forwarded-host': 'X-Forwarded-Host',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-prefix': 'X-Forwarded-Prefix',
};

/** Client forwarded headers that a client-facing proxy neither sets nor clears. */
export const forwardedHeaderPassthrough: NginxRule = {
  id: 'nginx/forwarded-header-passthrough',
  kind: 'nginx',
  severity: 'warning',
  title: 'Client forwarded headers passed through at the edge',
  description:
    "nginx passes every header it does not set. On a client-facing server, the client's own Forwarded, X-Forwarded-Host, -Port and -Prefix (and vendor headers such as CF-Connecting-IP or True-Client-IP) reach the app as if a proxy had written them; frameworks that read them (Express trust proxy, Django USE_X_FORWARDED_HOST, Rails) build links and host checks from forged values.",
  fix: 'Set them or clear them in each proxying location: proxy_set_header Forwarded ""; proxy_set_header X-Forwarded-Host $host; proxy_set_header X-Forwarded-Port $server_port; proxy_set_header X-Forwarded-Prefix "";',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header Forwarded "";\n    proxy_set_header X-Forwarded-Host $host;\n    proxy_set_header X-Forwarded-Port $server_port;\n    proxy_set_header X-Forwarded-Prefix "";\n    proxy_pass http://app;\n  }\n}\n',
      },
      { text: 'location / {\n  proxy_pass http://app;\n}\n', context: 'location' },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const site of proxySites(root)) {
      if (!atEdge(site.scope) || thirdParty(site.pass, root) || acmeOnly(site.scope)) continue;
      const names = effectiveNames(site);
      if (!names) continue;
      const missing = MUST.filter((h) => !names.has(h));
      if (missing.length === 0) continue;
      hits.push({
        at: site.pass,
        message: `the client's own ${missing.map((h) => SHOWN[h]).join(', ')} pass through this client-facing location to the app`,
        evidence: [site.pass],
      });
    }
    return hits;
  },
};
