import { globalTrustedProxies, reverseProxies, sub, trustedRanges } from '../caddy/model.js';
import { type CaddyNode, caddyLine } from '../caddy/parser.js';
import { coversAll } from '../model.js';
import type { CaddyRule, Hit } from '../rule.js';

/**
 * `trusted_proxies 0.0.0.0/0` (or `::/0`): every client is a trusted proxy, so Caddy keeps
 * the client's own X-Forwarded-For, -Proto and -Host. `private_ranges` is not flagged: it
 * covers private networks only (see docs/lint.md).
 */
export const caddyTrustedProxiesAll: CaddyRule = {
  id: 'caddy/trusted-proxies-all',
  kind: 'caddy',
  severity: 'error',
  title: 'trusted_proxies covers every address',
  description:
    "A `trusted_proxies` range that covers every address (0.0.0.0/0, ::/0), in `reverse_proxy` or in the global `servers` options, makes every client a trusted proxy: Caddy then keeps the client's own X-Forwarded-Proto and X-Forwarded-Host and appends to its X-Forwarded-For instead of replacing them, so any client chooses the scheme, host and address the app believes.",
  fix: "Name only the proxies in front of Caddy: trusted_proxies 10.0.0.0/8 (your load balancer's range), or trusted_proxies private_ranges when every client reaches Caddy through one; never 0.0.0.0/0 or ::/0.",
  examples: {
    bad: [
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    trusted_proxies 0.0.0.0/0 ::/0\n  }\n}\n',
      },
      {
        text: '{\n  servers {\n    trusted_proxies static 0.0.0.0/0\n  }\n}\n\nexample.com {\n  reverse_proxy 127.0.0.1:8000\n}\n',
      },
    ],
    good: [
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    trusted_proxies 10.0.0.0/8\n  }\n}\n',
      },
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    trusted_proxies private_ranges\n  }\n}\n',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    const flag = (n: CaddyNode) => {
      const all = trustedRanges(n).filter(coversAll);
      if (all.length === 0) return;
      hits.push({
        at: { file: n.file, line: n.line, col: n.col },
        message: `trusted_proxies ${all.join(' ')} trusts every client: Caddy keeps the client's own X-Forwarded-For, -Proto and -Host`,
        evidence: [caddyLine(n)],
      });
    };
    for (const n of globalTrustedProxies(input)) flag(n);
    for (const site of input.sites) {
      if (site.v1) continue;
      for (const rp of reverseProxies(site)) for (const n of sub(rp, 'trusted_proxies')) flag(n);
    }
    return hits;
  },
};
