import { evidence, locOf, on, setting } from '../django/handler.js';
import { strings } from '../django/python.js';
import type { DjangoRule, Hit } from '../rule.js';

/** ALLOWED_HOSTS = ['*'] (or a bare '.' wildcard): every Host header is accepted. */
export const djangoAllowedHostsWildcard: DjangoRule = {
  id: 'django/allowed-hosts-wildcard',
  kind: 'django',
  severity: 'warning',
  title: "ALLOWED_HOSTS accepts every host ('*')",
  description:
    "ALLOWED_HOSTS = ['*'] turns off Django's Host header check: request.get_host() and build_absolute_uri() return whatever the client sent, so password-reset links, redirects and cache keys can name the attacker's host. With USE_X_FORWARDED_HOST = True the client's X-Forwarded-Host is accepted the same way, through any proxy that passes it on.",
  fix: "List the site's names: ALLOWED_HOSTS = ['example.com', 'www.example.com'] (a leading dot, '.example.com', covers subdomains); never '*', not even as the default of an environment variable.",
  examples: {
    bad: [
      { text: "ALLOWED_HOSTS = ['*']\nINSTALLED_APPS = ['django.contrib.admin']\n" },
      { text: "ALLOWED_HOSTS = ['example.com', '*']\nUSE_X_FORWARDED_HOST = True\n" },
      { text: "import os\nALLOWED_HOSTS = os.environ.get('ALLOWED_HOSTS', '*').split(',')\n" },
    ],
    good: [
      { text: "ALLOWED_HOSTS = ['example.com', '.example.org']\nUSE_X_FORWARDED_HOST = True\n" },
      { text: "import os\nALLOWED_HOSTS = os.environ['ALLOWED_HOSTS'].split(',')\n" },
      { text: "ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS', default=['example.com'])\n" },
    ],
  },
  check(input) {
    const a = setting(input, 'ALLOWED_HOSTS');
    if (!a) return [];
    const v = a.value;
    // an environment read whose default is '*': the wildcard whenever the variable is unset
    const fallback = v.t === 'unknown' && v.why === 'environment' ? v.default : undefined;
    const hosts =
      strings(v) ?? strings(fallback) ?? (fallback?.t === 'str' ? [fallback.v] : undefined);
    if (!hosts?.includes('*')) return [];
    const unset =
      fallback && v.t === 'unknown'
        ? ` whenever ${v.env ?? 'its environment variable'} is unset (the default is '*')`
        : '';
    const fwd = setting(input, 'USE_X_FORWARDED_HOST');
    const worse = on(fwd);
    const hit: Hit = {
      at: locOf(input, a),
      message: worse
        ? `ALLOWED_HOSTS holds '*'${unset} and USE_X_FORWARDED_HOST is on: any client's Host or X-Forwarded-Host becomes the site's own name in absolute URLs`
        : `ALLOWED_HOSTS holds '*'${unset}: Django accepts any Host header, so absolute URLs (password resets, redirects) can name the client's host`,
      evidence: [evidence(input, a), ...(worse && fwd ? [evidence(input, fwd)] : [])],
    };
    return [hit];
  },
};
