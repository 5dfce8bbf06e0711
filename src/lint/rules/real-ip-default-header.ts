import { chain, own, scopes } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';

/** set_real_ip_from with the default real_ip_header (X-Real-IP). */
export const realIpDefaultHeader: NginxRule = {
  id: 'nginx/real-ip-default-header',
  kind: 'nginx',
  severity: 'warning',
  title: 'set_real_ip_from relies on the default X-Real-IP',
  description:
    'Without real_ip_header, the real-IP module reads X-Real-IP, which most load balancers do not write and pass through from the client: the client names its own address.',
  fix: 'Name the header your load balancer writes: real_ip_header X-Forwarded-For; (with real_ip_recursive on;) or real_ip_header proxy_protocol;',
  examples: {
    bad: [{ text: 'set_real_ip_from 10.0.0.0/8;\n', context: 'http' }],
    good: [
      { text: 'set_real_ip_from 10.0.0.0/8;\nreal_ip_header X-Forwarded-For;\n', context: 'http' },
    ],
  },
  check({ root }) {
    const hits: Hit[] = [];
    for (const s of scopes(root)) {
      const from = own(s, 'set_real_ip_from');
      if (from.length === 0) continue;
      const named =
        chain(s).some((c) => own(c, 'real_ip_header').length > 0) ||
        scopes(s).some((c) => own(c, 'real_ip_header').length > 0);
      if (named || s.children.some((n) => n.unresolved)) continue;
      hits.push({
        at: from[0]!,
        message:
          'set_real_ip_from without real_ip_header reads X-Real-IP, which the client can send',
        evidence: [from[0]!],
      });
    }
    return hits;
  },
};
