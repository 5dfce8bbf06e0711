import { distance } from '../../core/keys.js';
import { evidence, locOf, sslHeader } from '../django/handler.js';
import type { DjangoRule } from '../rule.js';

/** The META keys of the scheme headers proxies send, to catch misspellings. */
const KNOWN = [
  'HTTP_X_FORWARDED_PROTO',
  'HTTP_X_FORWARDED_PROTOCOL',
  'HTTP_X_FORWARDED_SSL',
  'HTTP_X_FORWARDED_SCHEME',
  'HTTP_X_SCHEME',
  'HTTP_X_URL_SCHEME',
  'HTTP_FRONT_END_HTTPS',
  'HTTP_CLOUDFRONT_FORWARDED_PROTO',
  'HTTP_X_ARR_SSL',
];

/** Why Django can never find `name` in request.META, or undefined when it can. */
export function unseenMetaKey(name: string): { why: string; meant: string } | undefined {
  const meant = `HTTP_${name
    .toUpperCase()
    .replace(/-/g, '_')
    .replace(/^HTTP_/, '')}`;
  if (/[a-z]/.test(name) || name.includes('-'))
    return {
      why: 'request.META keys are upper case with underscores (HTTP_ and the header name)',
      meant,
    };
  if (!name.startsWith('HTTP_') && /^(X_|FORWARDED|CLOUDFRONT|FRONT_END)/.test(name))
    return { why: 'a request header is found in request.META under HTTP_ and its name', meant };
  if (name.startsWith('HTTP_') && !KNOWN.includes(name)) {
    // one letter off, or two letters swapped: a typo, not another header
    const sorted = (x: string) => [...x].sort().join('');
    const near = KNOWN.find(
      (k) => distance(k, name) <= 1 || (distance(k, name) === 2 && sorted(k) === sorted(name)),
    );
    if (near)
      return { why: `no proxy sends it; ${near} is the known header it resembles`, meant: near };
  }
  return undefined;
}

/** SECURE_PROXY_SSL_HEADER naming a key Django never sees. */
export const djangoProxySslHeaderName: DjangoRule = {
  id: 'django/proxy-ssl-header-name',
  kind: 'django',
  severity: 'error',
  title: 'SECURE_PROXY_SSL_HEADER names a key Django never sees',
  description:
    "Django looks SECURE_PROXY_SSL_HEADER's first item up in request.META, where a request header X-Forwarded-Proto is HTTP_X_FORWARDED_PROTO: upper case, dashes as underscores, HTTP_ in front. A name written 'X-Forwarded-Proto', 'x_forwarded_proto' or 'X_FORWARDED_PROTO', or a misspelt one, is never found, so every request counts as plain http: SECURE_SSL_REDIRECT loops and secure cookies are refused.",
  fix: "Write the META key: SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https').",
  examples: {
    bad: [
      { text: "SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('X_FORWARDED_PROTO', 'https')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARED_PROTO', 'https')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FROWARDED_PROTO', 'https')\n" },
    ],
    good: [
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_SSL', 'on')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_HTTPS', 'on')\n" },
    ],
  },
  check(input) {
    const h = sslHeader(input);
    if (!h?.pair || h.name === undefined) return [];
    const { a, name } = h;
    const bad = unseenMetaKey(name);
    if (!bad) return [];
    return [
      {
        at: locOf(input, a),
        message: `SECURE_PROXY_SSL_HEADER names '${name}', which Django never finds in request.META (${bad.why}): every request looks like http`,
        evidence: [evidence(input, a)],
        fix: `Write the META key: SECURE_PROXY_SSL_HEADER = ('${bad.meant}', '${h.value ?? 'https'}').`,
      },
    ];
  },
};
