import { coversAll } from '../model.js';
import { scopes } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';

/** set_real_ip_from 0.0.0.0/0: every client may name its own address. */
export const realIpTrustAll: NginxRule = {
  id: 'nginx/real-ip-trust-all',
  kind: 'nginx',
  severity: 'error',
  title: 'set_real_ip_from trusts every address',
  description:
    'set_real_ip_from 0.0.0.0/0 (or ::/0) believes the real-IP header from any peer: every client chooses the address that access rules, rate limits, logs and $proxy_add_x_forwarded_for see.',
  fix: 'List only your load balancers or CDN: set_real_ip_from 10.0.0.0/8; (or the provider ranges), never 0.0.0.0/0 or ::/0.',
  examples: {
    bad: [
      { text: 'set_real_ip_from 0.0.0.0/0;\nreal_ip_header X-Forwarded-For;\n', context: 'http' },
    ],
    good: [
      { text: 'set_real_ip_from 10.0.0.0/8;\nreal_ip_header X-Forwarded-For;\n', context: 'http' },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const s of scopes(root))
      for (const n of s.children)
        if (n.name === 'set_real_ip_from' && coversAll(n.args[0] ?? ''))
          hits.push({
            at: n,
            message: `set_real_ip_from ${n.args[0]} believes the real-IP header from every client`,
            evidence: [n],
          });
    return hits;
  },
};
