import {
  effective,
  headerName,
  isForwardedHeader,
  known,
  own,
  proxySites,
  scopes,
} from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';

/** A level's own proxy_set_header drops every forwarded header set above it. */
export const proxySetHeaderInheritance: NginxRule = {
  id: 'nginx/proxy-set-header-inheritance',
  kind: 'nginx',
  severity: 'warning',
  title: 'A nested proxy_set_header drops the inherited forwarded headers',
  description:
    'nginx inherits proxy_set_header all or nothing: a server or location with any proxy_set_header line of its own inherits none from above, so the forwarded headers set at the outer level silently stop being sent for that location.',
  fix: 'Repeat the outer forwarded proxy_set_header lines in the inner block (or include one shared file, such as proxy_params, at every level that sets its own).',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 80;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  proxy_set_header X-Forwarded-For $remote_addr;\n  location /ws {\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 80;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location /ws {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const s of scopes(root)) {
      if (!s.parent || (s.kind !== 'server' && s.kind !== 'location')) continue;
      const mine = own(s, 'proxy_set_header');
      if (mine.length === 0 || !mine.every(known)) continue;
      const outer = effective(s.parent, 'proxy_set_header');
      if (outer.unknown || outer.lines.length === 0) continue;
      const names = new Set(mine.map(headerName));
      const dropped = outer.lines.filter(
        (l) => isForwardedHeader(headerName(l)) && !names.has(headerName(l)),
      );
      if (dropped.length === 0) continue;
      if (proxySites(s).length === 0) continue;
      hits.push({
        at: mine[0]!,
        message: `this ${s.kind} sets its own proxy_set_header, so ${dropped.map((d) => d.args[0]).join(', ')} from the outer level are not sent`,
        evidence: [mine[0]!, ...dropped],
        fix: `Add ${dropped.map((d) => `proxy_set_header ${d.args.join(' ')};`).join(' ')} to this ${s.kind} (or include the shared file here).`,
      });
    }
    return hits;
  },
};
