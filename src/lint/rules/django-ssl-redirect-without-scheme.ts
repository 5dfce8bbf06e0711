import { type DjangoInput, evidence, locOf, on, setting } from '../django/handler.js';
import type { DjangoRule } from '../rule.js';

/**
 * The settings that show a proxy in front of Django (it forwards the host or port). A
 * settings file alone cannot tell whether TLS ends at a proxy; these say one is there.
 */
export function proxyShown(input: DjangoInput) {
  return ['USE_X_FORWARDED_HOST', 'USE_X_FORWARDED_PORT']
    .map((n) => setting(input, n))
    .filter((a) => a !== undefined && on(a));
}

/** SECURE_SSL_REDIRECT on, behind a proxy, with no SECURE_PROXY_SSL_HEADER. */
export const djangoSslRedirectWithoutScheme: DjangoRule = {
  id: 'django/ssl-redirect-without-scheme',
  kind: 'django',
  severity: 'warning',
  title: 'SECURE_SSL_REDIRECT behind a proxy, with no SECURE_PROXY_SSL_HEADER',
  description:
    "SecurityMiddleware redirects every request that request.is_secure() calls plain http. Behind a proxy that ends TLS, Django sees http on every request unless SECURE_PROXY_SSL_HEADER names the header the proxy sets (or the app server rewrites wsgi.url_scheme itself: gunicorn's secure_scheme_headers for peers in forwarded_allow_ips, uwsgi from X-Forwarded-Proto), so https requests are redirected to https again: a redirect loop. The rule fires only when the same file shows a proxy in front (USE_X_FORWARDED_HOST or USE_X_FORWARDED_PORT on) and the file imports no other settings; where Django or its app server terminates TLS itself, the redirect works without the header.",
  fix: "Name the scheme header your proxy sets (and make sure it overwrites the client's): SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https').",
  examples: {
    bad: [{ text: 'SECURE_SSL_REDIRECT = True\nUSE_X_FORWARDED_HOST = True\n' }],
    good: [
      {
        text: "SECURE_SSL_REDIRECT = True\nUSE_X_FORWARDED_HOST = True\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
      },
      { text: 'SECURE_SSL_REDIRECT = True\n' },
    ],
  },
  check(input) {
    const redirect = setting(input, 'SECURE_SSL_REDIRECT');
    if (!redirect || !on(redirect)) return [];
    if (setting(input, 'SECURE_PROXY_SSL_HEADER') || input.module.starImports.length > 0) return [];
    const proxy = proxyShown(input);
    if (proxy.length === 0) return [];
    return [
      {
        at: locOf(input, redirect),
        message:
          'SECURE_SSL_REDIRECT is on behind a proxy (it forwards the host), and no SECURE_PROXY_SSL_HEADER tells Django which requests came over https: unless the app server rewrites wsgi.url_scheme, every request is redirected, https ones too',
        evidence: [evidence(input, redirect), ...proxy.map((a) => evidence(input, a!))],
      },
    ];
  },
};
