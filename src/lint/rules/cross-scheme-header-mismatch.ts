/**
 * The proxy in front writes one scheme header and the app reads another (or expects a value
 * the proxy never writes): the app never learns that a request came over https, so its
 * https redirect sends every https request back to itself.
 */
import {
  believesFront,
  decidedDownstream,
  display,
  ev,
  frontOf,
  writerFor,
} from '../cross/chain.js';
import type { HeaderWrite } from '../model.js';
import { SCHEME_HEADERS } from '../nginx/tree.js';
import type { ChainModel, CrossRule, Hit } from '../rule.js';

const EDGE = {
  name: 'edge.conf',
  text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Ssl "";\n    proxy_set_header X-Forwarded-Protocol "";\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
};
const GUNICORN = { name: 'gunicorn.conf.py', text: "bind = '127.0.0.1:8000'\n" };
const settings = (header: string) => ({
  name: 'settings.py',
  text: `ALLOWED_HOSTS = ['shop.example']\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_PROXY_SSL_HEADER = ${header}\nSECURE_SSL_REDIRECT = True\n`,
});

/** A value the proxy computes per request (`$scheme`, `%[ssl_fc]`, `{scheme}`): not a literal. */
const dynamic = (v: string): boolean => /[$%{]/.test(v);

/** True when a written value can equal the value the app waits for. */
function canMatch(w: HeaderWrite, want: string | undefined): boolean {
  if (want === undefined || w.value === undefined || w.action === 'clear')
    return w.action !== 'clear';
  if (dynamic(w.value)) {
    // $scheme and its kin give http or https
    return /scheme|proto|ssl_fc|https/i.test(w.value) ? want === 'https' || want === 'http' : true;
  }
  return w.value.replace(/^"|"$/g, '') === want;
}

/** The values that say "plain http" for a scheme header. */
const PLAIN = new Set(['http', 'off']);

/**
 * True when hop `j` writes a literal plain-http value and every hop up to it listens on plain
 * http only (an nginx or Apache server for port 80 beside the one for 443): the value is the
 * truth for the requests that pass there, not a mismatch.
 */
function truthfulPlain(chain: ChainModel, j: number, w: HeaderWrite): boolean {
  if (w.value === undefined || !PLAIN.has(w.value.replace(/^"|"$/g, '').toLowerCase()))
    return false;
  return chain.hops
    .slice(0, j + 1)
    .every((h) => h.listens.length > 0 && !h.listens.some((l) => l.tls));
}

export const schemeHeaderMismatch: CrossRule = {
  id: 'cross/scheme-header-mismatch',
  kind: 'cross',
  severity: 'error',
  title: 'The proxy writes one scheme header, the app reads another',
  description:
    "The app learns the scheme from a header (Django's SECURE_PROXY_SSL_HEADER, gunicorn's secure_scheme_headers, uvicorn's X-Forwarded-Proto) that the proxy in front never writes with the value the app waits for, while the proxy does write another scheme header. The app then believes every request is plain http: SECURE_SSL_REDIRECT sends each https request back to itself (a redirect loop), and Secure cookies and HSTS are off.",
  fix: "Read the header the proxy writes, with the value it writes (Django: SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') for `proxy_set_header X-Forwarded-Proto $scheme;`), or make the proxy write the one the app reads.",
  examples: {
    bad: [
      {
        files: [EDGE, GUNICORN, settings("('HTTP_X_FORWARDED_SSL', 'on')")],
        chain: ['edge.conf', 'gunicorn.conf.py', 'settings.py'],
      },
    ],
    good: [
      {
        files: [EDGE, GUNICORN, settings("('HTTP_X_FORWARDED_PROTO', 'https')")],
        chain: ['edge.conf', 'gunicorn.conf.py', 'settings.py'],
      },
    ],
  },
  check(chain) {
    const hits: Hit[] = [];
    chain.hops.forEach((hop, k) => {
      if (k === 0 || hop.role !== 'app' || decidedDownstream(chain, k, 'scheme')) return;
      const front = frontOf(chain, k);
      if (!front || !believesFront(chain, k)) return;
      const scheme = hop.believes.filter((b) => b.purpose === 'scheme');
      if (scheme.length === 0) return;
      // one believed header written with a value that can match: the app can learn https
      if (
        scheme.some((b) => {
          const w = writerFor(chain, k, b.name);
          return (
            w !== undefined &&
            w.write.action !== 'clear' &&
            (canMatch(w.write, b.value) || truthfulPlain(chain, w.j, w.write))
          );
        })
      )
        return;
      // what the proxies do write for the scheme, so the mismatch is shown
      const written = chain.hops
        .slice(0, k)
        .flatMap((h) => h.writes.map((w) => ({ h, w })))
        .filter(({ w }) => SCHEME_HEADERS.has(w.name) && w.action !== 'clear');
      if (written.length === 0) return;
      const b = scheme[0]!;
      const same = written.find(({ w }) => scheme.some((s) => s.name === w.name));
      hits.push({
        at: b.at,
        message: same
          ? `${hop.label} waits for ${display(b.name)}: ${b.value ?? '?'}, but ${same.h.label} writes ${same.w.value ?? '?'}: https is never recognised`
          : `${hop.label} reads ${scheme.map((s) => display(s.name)).join(' / ')} for the scheme, but ${written[0]!.h.label} writes ${display(written[0]!.w.name)}: https is never recognised`,
        evidence: [
          ev(b.at, `${hop.label} reads ${display(b.name)}${b.value ? ` = ${b.value}` : ''}`),
          ...written.map(({ h, w }) =>
            ev(w.at, `${h.label} writes ${display(w.name)}${w.value ? ` ${w.value}` : ''}`),
          ),
        ],
      });
    });
    return hits;
  },
};
