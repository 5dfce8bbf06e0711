import type { AppServerRule, Hit } from '../rule.js';

/** gunicorn secure_scheme_headers keys that are not upper case: never matched. */
export const appserverGunicornSchemeHeaderCase: AppServerRule = {
  id: 'appserver/gunicorn-scheme-header-case',
  kind: 'appserver',
  alsoKinds: ['compose'],
  severity: 'error',
  title: 'gunicorn secure_scheme_headers key not in upper case never matches',
  description:
    "gunicorn upper-cases each request header's name and looks it up in secure_scheme_headers as written (gunicorn/http/message.py: `if name in cfg.secure_scheme_headers`, name upper-cased), so a key written 'X-Forwarded-Proto' is never found and gunicorn never sees https from it. The setting replaces the defaults, so the upper-case default for that header is gone too, and the app sees http behind a TLS proxy (redirect loops, insecure absolute URLs).",
  fix: "Write the keys in upper case: secure_scheme_headers = {'X-FORWARDED-PROTO': 'https'}.",
  examples: {
    bad: [{ text: "secure_scheme_headers = {'X-Forwarded-Proto': 'https'}\n" }],
    good: [{ text: "secure_scheme_headers = {'X-FORWARDED-PROTO': 'https'}\n" }],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const s of input.servers) {
      for (const e of s.schemeHeaders?.entries ?? []) {
        if (e.key === e.key.toUpperCase()) continue;
        hits.push({
          at: e.at,
          message: `secure_scheme_headers key '${e.key}' is not upper case: gunicorn compares upper-cased header names and never matches it`,
          evidence: [s.schemeHeaders!.evidence],
          fix: `Write it upper case: '${e.key.toUpperCase()}': '${e.value ?? 'https'}'.`,
        });
      }
    }
    return hits;
  },
};
