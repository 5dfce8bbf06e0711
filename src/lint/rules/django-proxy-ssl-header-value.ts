import { evidence, headerOfMetaKey, locOf, sslHeader } from '../django/handler.js';
import type { DjangoRule } from '../rule.js';

/** The values proxies send for https, per scheme header (lower-case header name). */
const HTTPS_VALUES: ReadonlyMap<string, readonly string[]> = new Map([
  ['x-forwarded-proto', ['https']],
  ['x-forwarded-scheme', ['https']],
  ['x-scheme', ['https']],
  ['x-url-scheme', ['https']],
  ['cloudfront-forwarded-proto', ['https']],
  ['x-forwarded-ssl', ['on']],
  ['front-end-https', ['on']],
  ['x-forwarded-protocol', ['ssl', 'https']],
]);

/** SECURE_PROXY_SSL_HEADER whose value no proxy sends for https. */
export const djangoProxySslHeaderValue: DjangoRule = {
  id: 'django/proxy-ssl-header-value',
  kind: 'django',
  severity: 'error',
  title: 'SECURE_PROXY_SSL_HEADER expects a value the header never carries',
  description:
    "Django compares the header's value with SECURE_PROXY_SSL_HEADER's second item exactly (request.scheme: 'https' if header_value == secure_value else 'http'), case and spaces included. Proxies send X-Forwarded-Proto: https (lower case) and X-Forwarded-Ssl: on; a setting that expects 'HTTPS', 'on' for X-Forwarded-Proto, 'true' or 'http' never matches an https request, so every request looks like http (redirect loops, secure cookies refused), or, with 'http', plain requests look secure.",
  fix: "Expect what the proxy sends: SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') (or ('HTTP_X_FORWARDED_SSL', 'on')).",
  examples: {
    bad: [
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'HTTPS')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'on')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_SSL', 'true')\n" },
    ],
    good: [
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_SSL', 'on')\n" },
      { text: "SECURE_PROXY_SSL_HEADER = ('HTTP_X_MY_TLS', 'yes')\n" },
    ],
  },
  check(input) {
    const h = sslHeader(input);
    if (!h?.pair || h.name === undefined || h.value === undefined) return [];
    const { a, name, value } = h;
    const header = headerOfMetaKey(name);
    const ok = header ? HTTPS_VALUES.get(header) : undefined;
    if (!ok || ok.includes(value)) return [];
    const inverted = value.trim().toLowerCase() === 'http' || value.trim().toLowerCase() === 'off';
    return [
      {
        at: locOf(input, a),
        message: inverted
          ? `SECURE_PROXY_SSL_HEADER treats ${header}: '${value}' as https: plain http requests look secure and https ones do not`
          : `SECURE_PROXY_SSL_HEADER expects ${header}: '${value}', but proxies send '${ok[0]}' for https and Django compares exactly: every request looks like http`,
        evidence: [evidence(input, a)],
        fix: `Expect what the proxy sends: SECURE_PROXY_SSL_HEADER = ('${name}', '${ok[0]}').`,
      },
    ];
  },
};
