import { evidence, setting } from '../django/handler.js';
import { versionAtLeast } from '../django/version.js';
import type { DjangoRule, Hit } from '../rule.js';

/**
 * CSRF_TRUSTED_ORIGINS in the form the Django version does not read: from 4.0 every entry
 * is an origin with its scheme (`https://example.com`); up to 3.2 an entry is a host
 * (`example.com`, `.example.com`) matched against the Referer's host, so one with a scheme
 * never matches.
 */
export const djangoCsrfOriginsWithoutScheme: DjangoRule = {
  id: 'django/csrf-origins-without-scheme',
  kind: 'django',
  severity: 'warning',
  title: 'CSRF_TRUSTED_ORIGINS entries in the wrong form for the Django version',
  description:
    "From Django 4.0, CsrfViewMiddleware checks the Origin header against CSRF_TRUSTED_ORIGINS entries that carry a scheme ('https://example.com', 'https://*.example.com'); an entry without one never matches (and `manage.py check` reports 4_0.E001). Up to 3.2 the entries are hosts matched against the Referer's host (is_same_domain), and an entry with a scheme never matches. A wrong entry makes cross-origin and proxied POSTs fail with 403. The version comes from --django-version or the repository's pins (requirements*.txt, pyproject.toml, Pipfile, setup.cfg); when none is found the rule assumes 4.0 or later and says so.",
  fix: "From Django 4.0: CSRF_TRUSTED_ORIGINS = ['https://example.com']; up to 3.2: CSRF_TRUSTED_ORIGINS = ['example.com'].",
  examples: {
    bad: [
      { text: "CSRF_TRUSTED_ORIGINS = ['example.com']\n" },
      {
        text: "CSRF_TRUSTED_ORIGINS = [\n    'https://example.com',\n    '.example.org',\n]\n",
      },
    ],
    good: [
      { text: "CSRF_TRUSTED_ORIGINS = ['https://example.com', 'https://*.example.org']\n" },
      { text: "import os\nCSRF_TRUSTED_ORIGINS = os.environ['ORIGINS'].split(',')\n" },
    ],
  },
  check(input) {
    const a = setting(input, 'CSRF_TRUSTED_ORIGINS');
    const v = a?.value;
    if (!a || !v || (v.t !== 'list' && v.t !== 'tuple' && v.t !== 'set')) return [];
    const four = versionAtLeast(input.version, '4.0');
    const hits: Hit[] = [];
    const assumed = input.version
      ? `Django ${input.version.version} (${input.version.from.replace(/^.*\//, '')})`
      : 'Django 4.0 or later assumed (no version pin found; --django-version sets it)';
    for (const item of v.items) {
      if (item.t !== 'str') continue;
      const scheme = item.v.includes('://');
      if (four !== false && !scheme)
        hits.push({
          at: { file: input.file, line: item.at.line, col: item.at.col },
          message: `CSRF_TRUSTED_ORIGINS entry '${item.v}' has no scheme: from Django 4.0 it never matches an Origin (${assumed})`,
          evidence: [evidence(input, a)],
          fix: `Write the origin with its scheme: 'https://${item.v.replace(/^\./, '*.')}'.`,
        });
      else if (four === false && scheme)
        hits.push({
          at: { file: input.file, line: item.at.line, col: item.at.col },
          message: `CSRF_TRUSTED_ORIGINS entry '${item.v}' has a scheme, but ${assumed} matches entries against the Referer's host: it never matches`,
          evidence: [evidence(input, a)],
          fix: `Up to Django 3.2 write the host: '${item.v.replace(/^\w+:\/\//, '').replace(/^\*\./, '.')}'.`,
        });
    }
    return hits;
  },
};
