import { headerName, headerValue, isForwardedHeader, own, scopes } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { sameRun } from '../template.js';

const RELAY = ['proxy_set_header', 'grpc_set_header'];

/** Two lines for one forwarded header in one level: nginx sends both (`https, https`). */
export const duplicateProxySetHeader: NginxRule = {
  id: 'nginx/duplicate-proxy-set-header',
  kind: 'nginx',
  severity: 'error',
  title: 'A forwarded header set twice in one block',
  description:
    'Two proxy_set_header lines for the same forwarded header in one effective block (includes counted) make nginx send the header twice; the app then sees "https, https" or two X-Forwarded-For lines, and exact comparisons fail (redirect loops). Host is the exception: the last one wins.',
  fix: 'Keep one proxy_set_header line per header in the block: delete the second (or the one in the included file).',
  examples: {
    bad: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Proto https;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 80;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header Host $host;\n    proxy_set_header Host $proxy_host;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
      },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const s of scopes(root)) {
      for (const d of RELAY) {
        const lines = own(s, d);
        if (lines.length < 2) continue;
        const seen = new Map<string, (typeof s.children)[number][]>();
        for (const n of lines) {
          const h = headerName(n);
          if (!isForwardedHeader(h) || headerValue(n) === '') continue;
          const prior = (seen.get(h) ?? []).filter((p) => sameRun(p.branch, n.branch));
          if (prior.length > 0) {
            hits.push({
              at: n,
              message: `${n.args[0]} is set ${prior.length + 1} times in this block: nginx sends every line, so the app gets the header twice`,
              evidence: [...prior, n],
            });
          }
          seen.set(h, [...(seen.get(h) ?? []), n]);
        }
      }
    }
    return hits;
  },
};
