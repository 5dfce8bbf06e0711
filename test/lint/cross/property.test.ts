/**
 * The cross-file stage on arbitrary deployments: files of every kind, built from pieces that
 * link or do not (ports that match or miss, templates, half-written blocks), linted with the
 * chain inferred and with random declared chains. It never throws, every finding points
 * into a linted file at a real line, and a chain names only linted files. Where the edge
 * replaces every header the app believes, no cross-file rule says the client controls one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { lintTexts } from '../../../src/lint/engine.js';

/** A template placeholder, as envsubst writes one. */
const tpl = (name: string) => `$${'{'}${name}}`;
const port = fc.constantFrom('8000', '8001', '9000', '$PORT', tpl('APP_PORT'));
const header = fc.constantFrom(
  'X-Forwarded-Proto',
  'X-Forwarded-Ssl',
  'X-Forwarded-Host',
  'X-Forwarded-For',
  'X-Real-IP',
  'Forwarded',
);
const value = fc.constantFrom('$scheme', 'https', 'http', '$http_x_forwarded_proto', '""', '$host');

const nginx = fc
  .record({
    tls: fc.boolean(),
    to: port,
    sets: fc.array(fc.tuple(header, value), { maxLength: 4 }),
    realIp: fc.option(fc.constantFrom('0.0.0.0/0', '127.0.0.1', tpl('UPSTREAM')), {
      nil: undefined,
    }),
    cut: fc.nat(400),
  })
  .map((o) =>
    `server {\n  listen ${o.tls ? '443 ssl' : '80'};\n${o.realIp ? `  set_real_ip_from ${o.realIp};\n` : ''}  location / {\n${o.sets.map(([h, v]) => `    proxy_set_header ${h} ${v};\n`).join('')}    proxy_pass http://127.0.0.1:${o.to};\n  }\n}\n`.slice(
      0,
      o.cut < 20 ? undefined : o.cut,
    ),
  );
const gunicorn = fc
  .record({ to: port, allow: fc.constantFrom("'*'", "'127.0.0.1'", "'10.0.0.0/8'", 'env("X")') })
  .map((o) => `bind = '127.0.0.1:${o.to}'\nforwarded_allow_ips = ${o.allow}\n`);
const procfile = fc
  .record({ server: fc.constantFrom('gunicorn', 'uvicorn', 'uwsgi --http-socket'), to: port })
  .map((o) =>
    o.server === 'uwsgi --http-socket'
      ? `web: uwsgi --http-socket 127.0.0.1:${o.to} --module app.wsgi\n`
      : `web: ${o.server} app:app --bind 127.0.0.1:${o.to} --forwarded-allow-ips '*'\n`,
  );
const settings = fc
  .record({
    ssl: fc.constantFrom(
      "('HTTP_X_FORWARDED_PROTO', 'https')",
      "('HTTP_X_FORWARDED_SSL', 'on')",
      "('X_FORWARDED_PROTO', 'https')",
      'env.tuple("SSL_HEADER")',
      '(',
    ),
    xfh: fc.boolean(),
    hsts: fc.boolean(),
  })
  .map(
    (o) =>
      `SECURE_PROXY_SSL_HEADER = ${o.ssl}\nUSE_X_FORWARDED_HOST = ${o.xfh ? 'True' : 'False'}\n${o.hsts ? 'SECURE_HSTS_SECONDS = 3600\n' : ''}`,
  );
const caddy = port.map((p) => `example.com {\n  reverse_proxy 127.0.0.1:${p}\n}\n`);
const haproxy = port.map(
  (p) =>
    `frontend fe\n  mode http\n  bind :443 ssl crt /x.pem\n  option forwardfor\n  default_backend app\nbackend app\n  mode http\n  server a 127.0.0.1:${p}\n`,
);

const FILES = {
  'edge/nginx.conf': nginx,
  'lb/haproxy.cfg': haproxy,
  Caddyfile: caddy,
  'gunicorn.conf.py': gunicorn,
  Procfile: procfile,
  'app/settings.py': settings,
} as const;
type Name = keyof typeof FILES;
const NAMES = Object.keys(FILES) as Name[];

const deployment = fc
  .record(
    Object.fromEntries(NAMES.map((n) => [n, fc.option(FILES[n], { nil: undefined })])) as {
      [K in Name]: fc.Arbitrary<string | undefined>;
    },
  )
  .map((r) =>
    NAMES.filter((n) => r[n] !== undefined).map((n) => ({ name: n as string, text: r[n]! })),
  );

describe('cross-file stage on arbitrary deployments', () => {
  test('never throws; findings point into linted files at real lines; chains name linted files', () => {
    fc.assert(
      fc.property(
        deployment,
        fc.array(fc.constantFrom(...NAMES), { minLength: 0, maxLength: 4 }),
        (files, declared) => {
          const names = new Set(files.map((f) => f.name));
          const lines = new Map(files.map((f) => [f.name, f.text.split('\n').length]));
          for (const chains of [[], declared.length > 0 ? [declared] : []]) {
            const r = lintTexts(files, { chains });
            for (const res of r.results)
              for (const f of res.findings) {
                assert.ok(names.has(f.file), `${f.rule} in ${f.file}`);
                assert.ok(
                  f.line >= 1 && f.line <= (lines.get(f.file) ?? 0) + 1,
                  `${f.file}:${f.line}`,
                );
                assert.ok(f.fix.length > 0 && f.message.length > 0);
              }
            for (const c of r.chains ?? [])
              for (const h of c.hops) assert.ok(names.has(h.file), `chain hop ${h.file}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('an edge that replaces every header Django and gunicorn believe leaves the client none', () => {
    fc.assert(
      fc.property(
        fc.constantFrom("('HTTP_X_FORWARDED_PROTO', 'https')", "('HTTP_X_FORWARDED_SSL', 'on')"),
        fc.boolean(),
        (ssl, xfh) => {
          const r = lintTexts(
            [
              {
                name: 'nginx.conf',
                text: `server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-Ssl on;\n    proxy_set_header X-Forwarded-Protocol ssl;\n    proxy_set_header X-Forwarded-Host $host;\n    proxy_set_header X-Forwarded-For $remote_addr;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n`,
              },
              { name: 'gunicorn.conf.py', text: "bind = '127.0.0.1:8000'\n" },
              {
                name: 'settings.py',
                text: `SECURE_PROXY_SSL_HEADER = ${ssl}\nUSE_X_FORWARDED_HOST = ${xfh ? 'True' : 'False'}\n`,
              },
            ],
            {},
          );
          assert.ok((r.chains?.length ?? 0) >= 1, 'the chain is inferred');
          const cross = r.results
            .flatMap((x) => x.findings)
            .filter((f) => f.rule === 'cross/unwritten-header-believed');
          assert.deepEqual(cross, []);
        },
      ),
      { numRuns: 20 },
    );
  });
});
