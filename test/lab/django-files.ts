/**
 * The lab's Django deployment as the files an operator would commit: a settings.py with the
 * scenario's settings as Python literals (the lab's labsite/settings.py reads the same
 * values from LAB_DJANGO_SETTINGS; test/lint/cross/lab.test.ts proves under Python that the
 * two agree), and the gunicorn command line as a Procfile line.
 */
import type { DjangoSettings } from './types.js';

/** A JSON value as a Python literal. */
function py(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  throw new TypeError(`no Python literal for ${JSON.stringify(v)}`);
}

/** The settings that decide what Django believes behind a proxy, as labsite/settings.py sets them. */
export const DJANGO_PROXY_SETTINGS = [
  'ALLOWED_HOSTS',
  'SECURE_PROXY_SSL_HEADER',
  'USE_X_FORWARDED_HOST',
  'USE_X_FORWARDED_PORT',
  'SECURE_SSL_REDIRECT',
  'SECURE_REDIRECT_EXEMPT',
  'SECURE_HSTS_SECONDS',
  'SESSION_COOKIE_SECURE',
  'CSRF_COOKIE_SECURE',
  'CSRF_TRUSTED_ORIGINS',
] as const;

/** A settings.py holding the scenario's settings as literals. */
export function djangoSettingsPy(s: DjangoSettings): string {
  const value = (k: (typeof DJANGO_PROXY_SETTINGS)[number]): string => {
    if (k === 'SECURE_PROXY_SSL_HEADER') {
      const h = s.SECURE_PROXY_SSL_HEADER;
      return h ? `(${py(h[0])}, ${py(h[1])})` : 'None';
    }
    if (k === 'CSRF_TRUSTED_ORIGINS') return py(s.CSRF_TRUSTED_ORIGINS ?? []);
    return py(s[k]);
  };
  return [
    '"""The lab\'s Django settings for one scenario (rendered by test/lab/django-files.ts)."""',
    'SECRET_KEY = "proxytrust-lab-not-a-secret"',
    'DEBUG = False',
    'ROOT_URLCONF = "labsite.urls"',
    'MIDDLEWARE = [',
    '    "django.middleware.security.SecurityMiddleware",',
    '    "django.contrib.sessions.middleware.SessionMiddleware",',
    '    "django.middleware.common.CommonMiddleware",',
    '    "django.middleware.csrf.CsrfViewMiddleware",',
    ']',
    ...DJANGO_PROXY_SETTINGS.map((k) => `${k} = ${value(k)}`),
    '',
  ].join('\n');
}

/** A word quoted for a POSIX shell when it needs it. */
export const shellWord = (w: string): string =>
  /^[\w@%+=:,./[\]-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
