import { contexts, contextWrites, proxyEntries, tlsOn } from '../apache/model.js';
import { apacheLine } from '../apache/parser.js';
import type { ApacheRule, Hit } from '../rule.js';

/** Headers that tell the app the scheme. */
const SCHEME_HEADERS = new Set([
  'x-forwarded-proto',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-forwarded-protocol',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
  'forwarded',
]);

/** An SSL virtual host proxies without a scheme header: mod_proxy writes none. */
export const apacheSslVhostWithoutScheme: ApacheRule = {
  id: 'apache/ssl-vhost-without-scheme',
  kind: 'apache',
  severity: 'warning',
  title: 'An SSL virtual host proxies without setting the scheme',
  description:
    'mod_proxy writes no scheme header of its own. A virtual host with SSLEngine on that proxies without RequestHeader set X-Forwarded-Proto leaves the app believing http (http:// links, redirect loops behind SECURE_SSL_REDIRECT), or believing whatever X-Forwarded-Proto the client sent, which passes through.',
  fix: 'In the SSL <VirtualHost>: RequestHeader set X-Forwarded-Proto https (and RequestHeader set X-Forwarded-Proto http in the plain-http one).',
  examples: {
    bad: [
      {
        text: '<VirtualHost *:443>\n  SSLEngine on\n  RequestHeader unset X-Real-IP\n  RequestHeader unset Forwarded\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
    ],
    good: [
      {
        text: '<VirtualHost *:443>\n  SSLEngine on\n  RequestHeader set X-Forwarded-Proto "expr=%{REQUEST_SCHEME}"\n  RequestHeader unset X-Real-IP\n  RequestHeader unset Forwarded\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const ctx of contexts(input)) {
      const first = proxyEntries(ctx)[0];
      if (!first || !tlsOn(ctx)) continue;
      const { writes } = contextWrites(ctx);
      if (writes.some((w) => SCHEME_HEADERS.has(w.name) && w.action === 'set')) continue;
      hits.push({
        at: { file: first.node.file, line: first.node.line, col: first.node.col },
        message:
          'this SSL virtual host proxies without setting a scheme header: the app cannot tell the request came over https',
        evidence: [apacheLine(first.node), ...(ctx.vhost ? [apacheLine(ctx.vhost)] : [])],
      });
    }
    return hits;
  },
};
