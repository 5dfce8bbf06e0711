import type { ExpressRule, Hit } from '../rule.js';

/** Express `trust proxy` = true: every peer trusted, the leftmost X-Forwarded-For taken. */
export const expressTrustProxyTrue: ExpressRule = {
  id: 'express/trust-proxy-true',
  kind: 'express',
  severity: 'error',
  title: 'Express trust proxy = true',
  description:
    "`app.set('trust proxy', true)` (or `app.enable('trust proxy')`) trusts every peer, so `req.ip` is the leftmost X-Forwarded-For entry, which the client writes itself when any proxy appends (nginx `$proxy_add_x_forwarded_for`, HAProxy `option forwardfor`, mod_proxy), and `req.protocol` / `req.hostname` come from X-Forwarded-Proto and X-Forwarded-Host of whoever connects. Rate limits, logs and allow-lists then key on a forged address.",
  fix: "Name your proxies instead: app.set('trust proxy', ['10.0.0.0/8']) (their addresses or CIDRs, or 'loopback' for a proxy on the same host), or the number of proxies in front: app.set('trust proxy', 1).",
  examples: {
    bad: [
      { text: "const app = express();\napp.set('trust proxy', true);\napp.listen(3000);\n" },
      { text: "const server = express();\nserver.enable('trust proxy');\n", name: 'server.ts' },
    ],
    good: [
      { text: "const app = express();\napp.set('trust proxy', 'loopback');\napp.listen(3000);\n" },
      { text: "const app = express();\napp.set('trust proxy', 1);\n" },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const s of input.settings) {
      if (s.value.type !== 'boolean' || !s.value.value) continue;
      hits.push({
        at: { file: s.at.file, line: s.at.line, col: s.at.col },
        message: `${s.receiver} trusts every peer for X-Forwarded-For/-Proto/-Host, and req.ip is the leftmost (client-written) X-Forwarded-For entry`,
        evidence: [`${s.at.file}:${s.at.line}: ${s.at.text}`],
      });
    }
    return hits;
  },
};
