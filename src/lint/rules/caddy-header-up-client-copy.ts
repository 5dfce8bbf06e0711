import { clientCopies, copyKind, headerOp, reverseProxies, sub } from '../caddy/model.js';
import { caddyLine } from '../caddy/parser.js';
import type { CaddyRule, Hit } from '../rule.js';

/** Headers that carry what a proxy says about the client, the scheme or the host. */
const FORWARDED =
  /^(host|forwarded|x-forwarded(-.+)?|x-real-ip|x-client-ip|true-client-ip|cf-connecting-ip|x-cluster-client-ip|x-original-(host|url|forwarded-for)|x-scheme|x-url-scheme|front-end-https)$/;

/** `header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}`: the client's own value. */
export const caddyHeaderUpClientCopy: CaddyRule = {
  id: 'caddy/header-up-client-copy',
  kind: 'caddy',
  severity: 'error',
  title: 'header_up copies a client header into a forwarded one',
  description:
    'A `header_up` line whose value is a client request header (`{http.request.header.X-Forwarded-Proto}`, `{header.X-Real-IP}`) writes whatever the client sent into a header the app believes, and replaces the value Caddy would have set itself: a client forges its scheme, host or address. A deletion (`header_up -X-Forwarded-Port`) is never flagged.',
  fix: 'Remove the header_up line (Caddy sets X-Forwarded-For, -Proto and -Host itself), or write a value Caddy knows: header_up X-Real-IP {remote_host}; to keep values from a proxy in front, name it in trusted_proxies.',
  examples: {
    bad: [
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}\n  }\n}\n',
      },
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    header_up X-Real-IP {header.X-Forwarded-For}\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    header_up -X-Forwarded-Port\n    header_up X-Real-IP {remote_host}\n  }\n}\n',
      },
      {
        text: 'example.com {\n  reverse_proxy 127.0.0.1:8000 {\n    header_up X-Tenant {http.request.header.X-Tenant}\n  }\n}\n',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const site of input.sites) {
      if (site.v1) continue;
      for (const rp of reverseProxies(site))
        for (const h of sub(rp, 'header_up')) {
          const op = headerOp(h);
          if (op.op === 'delete' || !FORWARDED.test(op.name)) continue;
          // the client's own list with the peer's address added is an append, not a copy
          if (copyKind(op.name, op.value ?? '') !== 'relay') continue;
          const copies = clientCopies(op.value ?? '');
          hits.push({
            at: { file: h.file, line: h.line, col: h.col },
            message: `header_up ${h.args[0]} copies the client's own ${copies.join(', ')} header: a client chooses its value`,
            evidence: [caddyLine(h)],
          });
        }
    }
    return hits;
  },
};
