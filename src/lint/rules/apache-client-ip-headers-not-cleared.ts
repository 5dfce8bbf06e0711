import { addsHeaders, contexts, contextWrites, proxyEntries } from '../apache/model.js';
import { apacheLine } from '../apache/parser.js';
import type { ApacheRule, Hit } from '../rule.js';

/** The client-address headers mod_proxy does not write, which pass through unless cleared. */
const CLIENT_IP_HEADERS = ['x-real-ip', 'forwarded'] as const;
const SHOWN: Record<string, string> = { 'x-real-ip': 'X-Real-IP', forwarded: 'Forwarded' };

/** mod_proxy appends X-Forwarded-For and -Host, and passes the client's X-Real-IP and Forwarded. */
export const apacheClientIpHeadersNotCleared: ApacheRule = {
  id: 'apache/client-ip-headers-not-cleared',
  kind: 'apache',
  severity: 'warning',
  title: 'Client IP headers pass through mod_proxy',
  description:
    "mod_proxy appends the client's address to X-Forwarded-For and its Host to X-Forwarded-Host, but passes every other header on as the client sent it: a client's own X-Real-IP or Forwarded (for=, proto=, host=) reaches the app, and an app or framework that reads one of them believes the client. A virtual host that proxies should clear (or set) both.",
  fix: 'In the <VirtualHost> that proxies: RequestHeader unset X-Real-IP and RequestHeader unset Forwarded (or RequestHeader set X-Real-IP "%{REMOTE_ADDR}s"), before the ProxyPass.',
  examples: {
    bad: [
      {
        text: '<VirtualHost *:443>\n  SSLEngine on\n  RequestHeader set X-Forwarded-Proto https\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
    ],
    good: [
      {
        text: '<VirtualHost *:443>\n  SSLEngine on\n  RequestHeader set X-Forwarded-Proto https\n  RequestHeader unset X-Real-IP\n  RequestHeader unset Forwarded\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
      {
        text: '<VirtualHost *:80>\n  ProxyAddHeaders Off\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const ctx of contexts(input)) {
      const first = proxyEntries(ctx)[0];
      if (!first || !addsHeaders(ctx)) continue;
      const { writes } = contextWrites(ctx);
      const open = CLIENT_IP_HEADERS.filter(
        (h) =>
          !writes.some(
            (w) => w.name === h && (w.action === 'set' || w.action === 'clear') && !w.onlyTls,
          ),
      );
      if (open.length === 0) continue;
      const names = open.map((h) => SHOWN[h]).join(' and ');
      hits.push({
        at: { file: first.node.file, line: first.node.line, col: first.node.col },
        message: `this ${ctx.vhost ? 'virtual host' : 'server'} proxies with mod_proxy's X-Forwarded-For and -Host, but passes the client's own ${names} through`,
        evidence: [apacheLine(first.node), ...(ctx.vhost ? [apacheLine(ctx.vhost)] : [])],
      });
    }
    return hits;
  },
};
