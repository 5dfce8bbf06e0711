/** Strict-Transport-Security added by both a proxy and the app: two headers, two policies. */
import { ev } from '../cross/chain.js';
import type { CrossRule, Hit } from '../rule.js';

const GUNICORN = { name: 'gunicorn.conf.py', text: "bind = '127.0.0.1:8000'\n" };
const edge = (hsts: boolean) => ({
  name: 'edge.conf',
  text: `server {\n  listen 443 ssl;\n${hsts ? '  add_header Strict-Transport-Security "max-age=31536000" always;\n' : ''}  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n`,
});
const SETTINGS = {
  name: 'settings.py',
  text: "ALLOWED_HOSTS = ['shop.example']\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\nSECURE_HSTS_SECONDS = 31536000\n",
};

export const hstsTwice: CrossRule = {
  id: 'cross/hsts-twice',
  kind: 'cross',
  severity: 'warning',
  title: 'HSTS added by both the proxy and the app',
  description:
    'A proxy adds Strict-Transport-Security and the app behind it adds its own (Django SECURE_HSTS_SECONDS, a `Strict-Transport-Security` header). Browsers read the first header only, so the two policies (max-age, includeSubDomains, preload) silently disagree, and changing one has no effect.',
  fix: 'Add HSTS in one place: remove `add_header Strict-Transport-Security` from the proxy, or set SECURE_HSTS_SECONDS = 0 in the app.',
  examples: {
    bad: [
      {
        files: [edge(true), GUNICORN, SETTINGS],
        chain: ['edge.conf', 'gunicorn.conf.py', 'settings.py'],
      },
    ],
    good: [
      {
        files: [edge(false), GUNICORN, SETTINGS],
        chain: ['edge.conf', 'gunicorn.conf.py', 'settings.py'],
      },
    ],
  },
  check(chain) {
    const hits: Hit[] = [];
    const proxy = chain.hops.find((h) => h.role === 'proxy' && h.hsts);
    if (!proxy?.hsts) return hits;
    const app = chain.hops.find(
      (h, k) => k > chain.hops.indexOf(proxy) && h.role === 'app' && h.hsts,
    );
    if (!app?.hsts) return hits;
    hits.push({
      at: app.hsts,
      message: `${proxy.label} and ${app.label} both add Strict-Transport-Security`,
      evidence: [
        ev(proxy.hsts, `${proxy.label} adds HSTS`),
        ev(app.hsts, `${app.label} adds HSTS`),
      ],
    });
    return hits;
  },
};
