import { evidence, hasSecurityMiddleware, known, locOf, setting } from '../django/handler.js';
import type { DjangoRule } from '../rule.js';
import { proxyShown } from './django-ssl-redirect-without-scheme.js';

/** SECURE_HSTS_SECONDS set where Django never sends it: no SecurityMiddleware, or no https seen. */
export const djangoHstsWithoutHttps: DjangoRule = {
  id: 'django/hsts-without-https',
  kind: 'django',
  severity: 'warning',
  title: 'SECURE_HSTS_SECONDS is set, but Django never sends the header',
  description:
    'SecurityMiddleware adds Strict-Transport-Security only to responses to requests it sees as https (request.is_secure()), and only when it is in MIDDLEWARE. Without SecurityMiddleware, or behind a proxy (the file forwards the host or port) with no SECURE_PROXY_SSL_HEADER to tell https from http, SECURE_HSTS_SECONDS does nothing: the site believes it has HSTS and has none.',
  fix: "Add 'django.middleware.security.SecurityMiddleware' first in MIDDLEWARE, and behind a TLS proxy set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') (or send HSTS from the proxy instead).",
  examples: {
    bad: [
      {
        text: "SECURE_HSTS_SECONDS = 31536000\nMIDDLEWARE = ['django.contrib.sessions.middleware.SessionMiddleware']\n",
      },
      { text: 'SECURE_HSTS_SECONDS = 31536000\nUSE_X_FORWARDED_HOST = True\n' },
    ],
    good: [
      {
        text: "SECURE_HSTS_SECONDS = 31536000\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nUSE_X_FORWARDED_HOST = True\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
      },
      { text: 'SECURE_HSTS_SECONDS = 0\nUSE_X_FORWARDED_HOST = True\n' },
    ],
  },
  check(input) {
    const hsts = setting(input, 'SECURE_HSTS_SECONDS');
    const v = known(hsts);
    if (!hsts || v?.t !== 'num' || v.v <= 0) return [];
    const mw = setting(input, 'MIDDLEWARE') ?? setting(input, 'MIDDLEWARE_CLASSES');
    if (mw && hasSecurityMiddleware(input) === false)
      return [
        {
          at: locOf(input, hsts),
          message: `SECURE_HSTS_SECONDS is ${v.v}, but ${mw.name} has no SecurityMiddleware: no response carries Strict-Transport-Security`,
          evidence: [evidence(input, hsts), evidence(input, mw)],
        },
      ];
    if (setting(input, 'SECURE_PROXY_SSL_HEADER') || input.module.starImports.length > 0) return [];
    const proxy = proxyShown(input);
    if (proxy.length === 0) return [];
    return [
      {
        at: locOf(input, hsts),
        message: `SECURE_HSTS_SECONDS is ${v.v} behind a proxy with no SECURE_PROXY_SSL_HEADER: Django sees every request as http and never sends Strict-Transport-Security (unless the app server rewrites wsgi.url_scheme)`,
        evidence: [evidence(input, hsts), ...proxy.map((a) => evidence(input, a!))],
      },
    ];
  },
};
