/**
 * The app's trust (CIDRs, hop count, forwarded_allow_ips) is wider than the proxies in
 * front of it: a peer that is not one of them is believed too.
 */
import { ev, frontOf, proxiesBefore, sourceOf } from '../cross/chain.js';
import { isLoopback } from '../cross/infer.js';
import type { CrossRule, Hit } from '../rule.js';

const EDGE = {
  name: 'edge.conf',
  text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Real-IP $remote_addr;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n',
};
const inner = (from: string) => ({
  name: 'inner.conf',
  text: `server {\n  listen 127.0.0.1:8080;\n  set_real_ip_from ${from};\n  real_ip_header X-Real-IP;\n  location / {\n    proxy_pass http://127.0.0.1:9000;\n  }\n}\n`,
});

/** True when an address or CIDR is loopback only. */
const loopbackOnly = (c: string): boolean =>
  /^(127\.\d+\.\d+\.\d+(\/(8|9|[12]\d|3[0-2]))?|::1(\/128)?|localhost|loopback)$/i.test(c.trim());

export const trustWiderThanProxies: CrossRule = {
  id: 'cross/trust-wider-than-proxies',
  kind: 'cross',
  severity: 'warning',
  title: "The app's trust is wider than the proxies in front of it",
  description:
    "A hop trusts forwarded headers from more peers than the proxies that stand in front of it: every peer (`*`, `0.0.0.0/0`, Express `true`), ranges beyond the loopback address the proxy connects from, or a hop count larger than the number of proxies. Any peer inside the extra trust that reaches the app (another container, a host on the same network, a client when the count is too high) can forge the client's address and scheme.",
  fix: "Trust exactly the proxies: gunicorn/uvicorn `forwarded_allow_ips = '127.0.0.1'`, nginx `set_real_ip_from 127.0.0.1;`, Express `app.set('trust proxy', 'loopback')` or a hop count equal to the number of proxies.",
  examples: {
    bad: [{ files: [EDGE, inner('0.0.0.0/0')], chain: ['edge.conf', 'inner.conf'] }],
    good: [{ files: [EDGE, inner('127.0.0.1')], chain: ['edge.conf', 'inner.conf'] }],
  },
  check(chain) {
    const hits: Hit[] = [];
    chain.hops.forEach((hop, k) => {
      const t = hop.trust;
      // a trust no setting can narrow (Django) is the app server's and the network's to bound
      if (k === 0 || !t || t.unknown || t.inherent || !frontOf(chain, k)) return;
      const n = proxiesBefore(chain, k);
      if (t.hops !== undefined) {
        if (t.hops > n)
          hits.push({
            at: t.at,
            message: `${hop.label} trusts ${t.hops} hops, but ${n} ${n === 1 ? 'proxy stands' : 'proxies stand'} in front of it: the client's own entries count as proxies`,
            evidence: [ev(t.at, `${hop.label} trusts ${t.hops} hops`)],
          });
        return;
      }
      const src = sourceOf(chain, k);
      if (src === undefined || !isLoopback(src)) return;
      const wide = t.all ? ['every peer'] : (t.cidrs ?? []).filter((c) => !loopbackOnly(c));
      if (wide.length === 0) return;
      hits.push({
        at: t.at,
        message: `${hop.label} trusts ${wide.join(', ')}, but the proxy in front connects from ${src}`,
        evidence: [
          ev(t.at, `${hop.label} trusts ${t.all ? 'every peer' : (t.cidrs ?? []).join(' ')}`),
        ],
      });
    });
    return hits;
  },
};
