/**
 * The app believes a forwarded header that the proxies in front neither set nor clear: the
 * client's own value reaches it. The root of every spoof in the field reports.
 */
import {
  beliefs,
  believesFront,
  decidedDownstream,
  display,
  ev,
  frontOf,
  guardedByAgreement,
  writerFor,
} from '../cross/chain.js';
import type { CrossRule, Hit } from '../rule.js';

export const unwrittenHeaderBelieved: CrossRule = {
  id: 'cross/unwritten-header-believed',
  kind: 'cross',
  severity: 'error',
  title: 'The app believes a header the proxy in front never writes',
  description:
    "A hop believes a forwarded header (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST, gunicorn's secure_scheme_headers, uvicorn's proxy headers, a proxytrust `headers` list, Express `trust proxy`, nginx `real_ip_header`) that no proxy in front of it sets or clears. Whatever the client sends in that header reaches the app unchanged, and the app takes it as the proxy's word: a forged scheme, host or client address.",
  fix: 'Make the proxy in front write the header on every listener (nginx `proxy_set_header X-Forwarded-Proto $scheme;`, HAProxy `http-request set-header`, Apache `RequestHeader set`), or clear it (`proxy_set_header X-Forwarded-Ssl "";`), or stop the app believing it.',
  examples: {
    bad: [
      {
        files: [
          {
            name: 'edge.conf',
            text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n',
          },
          {
            name: 'inner.conf',
            text: 'server {\n  listen 127.0.0.1:8080;\n  set_real_ip_from 127.0.0.1;\n  real_ip_header X-Real-IP;\n  location / {\n    proxy_pass http://127.0.0.1:9000;\n  }\n}\n',
          },
        ],
        chain: ['edge.conf', 'inner.conf'],
      },
    ],
    good: [
      {
        files: [
          {
            name: 'edge.conf',
            text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Real-IP $remote_addr;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n',
          },
          {
            name: 'inner.conf',
            text: 'server {\n  listen 127.0.0.1:8080;\n  set_real_ip_from 127.0.0.1;\n  real_ip_header X-Real-IP;\n  location / {\n    proxy_pass http://127.0.0.1:9000;\n  }\n}\n',
          },
        ],
        chain: ['edge.conf', 'inner.conf'],
      },
    ],
  },
  check(chain) {
    const hits: Hit[] = [];
    for (const { k, hop, belief } of beliefs(chain)) {
      const front = frontOf(chain, k);
      if (!front || !believesFront(chain, k)) continue;
      const w = writerFor(chain, k, belief.name);
      const name = display(belief.name);
      let why: string | undefined;
      if (!w)
        why = `which ${front.label} neither sets nor clears: the client's own value reaches it`;
      else if (w.write.action === 'if-absent')
        why = `which ${w.hop.label} writes only when the client sent none: a forged one is kept`;
      else if (w.write.onlyTls)
        why = `which ${w.hop.label} writes only on its TLS listeners: over plain http the client's own value reaches it`;
      else if (w.write.action === 'append' && belief.purpose !== 'client')
        why = `which ${w.hop.label} appends to the client's own value`;
      if (!why) continue;
      if (
        guardedByAgreement(chain, k, belief.purpose) ||
        decidedDownstream(chain, k, belief.purpose)
      )
        continue;
      hits.push({
        at: belief.at,
        message: `${hop.label} believes ${name} (the ${belief.purpose}), ${why}`,
        evidence: [
          ev(belief.at, `${hop.label} believes ${name}`),
          w
            ? ev(
                w.write.at,
                `${w.hop.label} writes ${name} (${w.write.action}${w.write.onlyTls ? ', TLS only' : ''})`,
              )
            : ev(
                front.targets[0]?.at ?? front.listens[0]?.at ?? belief.at,
                `${front.label} proxies without writing ${name}`,
              ),
        ],
      });
    }
    return hits;
  },
};
