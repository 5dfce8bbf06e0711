import { evidence, locOf, on, setting } from '../django/handler.js';
import { strings } from '../django/python.js';
import type { DjangoRule } from '../rule.js';

/** Paths load balancers and orchestrators probe, as SecurityMiddleware matches them (no leading `/`). */
const HEALTH_PATHS = [
  'health',
  'health/',
  'healthz',
  'healthz/',
  'healthcheck',
  'healthcheck/',
  'health-check/',
  'ht/',
  'ping',
  'ping/',
  'status',
  'status/',
  'readyz',
  'livez',
  '-/health',
  'api/health/',
  'api/health',
];

/** True when one of the patterns matches a health path as Django does (re.match on the path without its leading slash). */
export function exemptsHealth(patterns: readonly string[]): boolean {
  for (const p of patterns) {
    let re: RegExp;
    try {
      re = new RegExp(
        `^(?:${p
          .replace(/\(\?P</g, '(?<')
          .replace(/\\A/g, '^')
          .replace(/\\Z/g, '$')})`,
      );
    } catch {
      return true; // a pattern JavaScript cannot read: assume it covers one
    }
    if (HEALTH_PATHS.some((h) => re.test(h))) return true;
  }
  return false;
}

/** SECURE_SSL_REDIRECT on with no SECURE_REDIRECT_EXEMPT for a health path. */
export const djangoRedirectWithoutHealthExempt: DjangoRule = {
  id: 'django/redirect-without-health-exempt',
  kind: 'django',
  severity: 'info',
  title: 'SECURE_SSL_REDIRECT with no exemption for a health check',
  description:
    "With SECURE_SSL_REDIRECT on, SecurityMiddleware answers every plain-http request with a 301 to https, health checks included. Load balancers and orchestrators usually probe the app over plain http from inside (an ALB target group, a Kubernetes httpGet probe, docker's HEALTHCHECK with curl): they get the 301 instead of 200 and mark the app down, or follow it to the public name. SECURE_REDIRECT_EXEMPT lists regular expressions of paths (matched without their leading slash) that are served over http.",
  fix: "Exempt the health path: SECURE_REDIRECT_EXEMPT = [r'^healthz/?$'] (the path your probe requests, without its leading slash).",
  examples: {
    bad: [
      {
        text: "SECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
      },
    ],
    good: [
      {
        text: "SECURE_SSL_REDIRECT = True\nSECURE_REDIRECT_EXEMPT = [r'^healthz/?$']\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
      },
      { text: 'SECURE_SSL_REDIRECT = False\n' },
    ],
  },
  check(input) {
    const redirect = setting(input, 'SECURE_SSL_REDIRECT');
    if (!redirect || !on(redirect)) return [];
    const exempt = setting(input, 'SECURE_REDIRECT_EXEMPT');
    if (exempt) {
      const list = strings(exempt.value);
      if (!list || exemptsHealth(list)) return [];
    } else if (input.module.starImports.length > 0) return [];
    return [
      {
        at: locOf(input, redirect),
        message: exempt
          ? 'SECURE_SSL_REDIRECT is on and SECURE_REDIRECT_EXEMPT covers no health path: a plain-http health check gets a 301'
          : 'SECURE_SSL_REDIRECT is on with no SECURE_REDIRECT_EXEMPT: a plain-http health check gets a 301',
        evidence: [evidence(input, redirect), ...(exempt ? [evidence(input, exempt)] : [])],
      },
    ];
  },
};
