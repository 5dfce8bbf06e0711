/** The Caddy hop model: what the cross-file rules read of a Caddyfile. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { caddyHandler } from '../../../src/lint/caddy/handler.js';
import { caddyModel } from '../../../src/lint/caddy/model.js';

const model = (text: string) =>
  caddyModel(caddyHandler.parse('Caddyfile', text, { noIncludes: true }).input);
const writes = (text: string, k = 0) =>
  model(text)[k]!.writes.map((w) => [w.name, w.action, w.implicit ?? false, w.at.line]);

describe('Caddy hop model', () => {
  test('a site with a host name: TLS on 443; :80 and http:// are plain; bind sets the host', () => {
    const hops = model(`
example.com, http://plain.example.com, :8080, example.org:80 {
  bind 127.0.0.1 ::1
  reverse_proxy app:8000 unix//run/app.sock h2c://grpc:9000 https://up.example.net {
    to localhost
  }
}`);
    assert.equal(hops.length, 1);
    const h = hops[0]!;
    assert.equal(h.role, 'proxy');
    assert.deepEqual(
      h.listens.map((l) => [l.host, l.port, l.tls ?? false]),
      [
        ['127.0.0.1', 443, true],
        ['::1', 443, true],
        ['127.0.0.1', 80, false],
        ['::1', 80, false],
        ['127.0.0.1', 8080, false],
        ['::1', 8080, false],
      ],
    );
    assert.deepEqual(
      h.targets.map((t) => [t.host, t.port, t.socket]),
      [
        ['app', 8000, undefined],
        [undefined, undefined, '/run/app.sock'],
        ['grpc', 9000, undefined],
        ['up.example.net', 443, undefined],
        ['localhost', 80, undefined],
      ],
    );
  });

  test("Caddy's own X-Forwarded-* are set, then header_up: delete, set, add, relay, edit", () => {
    assert.deepEqual(
      writes(`
a.example.com {
  reverse_proxy 127.0.0.1:8000 {
    header_up -X-Forwarded-Host
    header_up X-Real-IP {remote_host}
    header_up +X-Forwarded-Prefix /app
    header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}
    header_up X-Forwarded-For "{http.request.header.X-Forwarded-For}, {remote_host}"
    header_up Forwarded for= for=unknown
  }
}`),
      [
        ['x-forwarded-for', 'append', false, 8],
        ['x-forwarded-host', 'clear', false, 4],
        ['x-real-ip', 'set', false, 5],
        ['x-forwarded-prefix', 'append', false, 6],
      ],
    );
  });

  test('site-level request_header applies first; Caddy then writes its own X-Forwarded-*', () => {
    assert.deepEqual(
      writes(
        'a.com {\n  request_header -X-Real-IP\n  request_header X-Forwarded-Proto https\n  request_header /api/* -Forwarded\n  reverse_proxy app:1 {\n    trusted_proxies 0.0.0.0/0\n  }\n}\n',
      ),
      [
        ['x-real-ip', 'clear', false, 2],
        ['x-forwarded-proto', 'set', true, 5],
        ['x-forwarded-for', 'append', true, 5],
        ['x-forwarded-host', 'if-absent', true, 5],
      ],
    );
  });

  test('trusted_proxies covering every address keeps the client values; a narrower one is a belief with its trust', () => {
    assert.deepEqual(
      writes('a.com {\n  reverse_proxy app:1 {\n    trusted_proxies 0.0.0.0/0\n  }\n}\n'),
      [
        ['x-forwarded-for', 'append', true, 2],
        ['x-forwarded-proto', 'if-absent', true, 2],
        ['x-forwarded-host', 'if-absent', true, 2],
      ],
    );
    const narrow = model(
      '{\n  servers {\n    trusted_proxies static 10.1.0.0/16\n  }\n}\na.com {\n  reverse_proxy app:1 {\n    trusted_proxies private_ranges\n  }\n}\n',
    )[0]!;
    assert.deepEqual(
      narrow.writes.map((w) => w.action),
      ['set', 'set', 'set'],
    );
    assert.deepEqual(narrow.trust?.cidrs, [
      '192.168.0.0/16',
      '172.16.0.0/12',
      '10.0.0.0/8',
      '127.0.0.1/8',
      'fd00::/8',
      '::1',
      '10.1.0.0/16',
    ]);
    assert.equal(narrow.trust?.all, undefined);
    assert.equal(narrow.trust?.unknown, undefined);
    const plugin = model(
      'a.com {\n  reverse_proxy app:1 {\n    trusted_proxies cloudflare\n  }\n}\n',
    )[0]!;
    assert.equal(plugin.trust?.unknown, true);
    assert.equal(narrow.trust?.at.line, 8);
    assert.deepEqual(
      narrow.believes.map((b) => [b.name, b.purpose]),
      [
        ['x-forwarded-for', 'client'],
        ['x-forwarded-proto', 'scheme'],
        ['x-forwarded-host', 'host'],
      ],
    );
  });

  test('HSTS from a header directive (inline or in a block); a deletion is none', () => {
    assert.equal(
      model(
        'a.com {\n  header Strict-Transport-Security "max-age=1"\n  reverse_proxy app:1\n}\n',
      )[0]!.hsts?.line,
      2,
    );
    assert.equal(
      model(
        'a.com {\n  header / {\n    +Strict-Transport-Security "max-age=1"\n  }\n  reverse_proxy app:1\n}\n',
      )[0]!.hsts?.line,
      3,
    );
    assert.equal(
      model('a.com {\n  header -Strict-Transport-Security\n  reverse_proxy app:1\n}\n')[0]!.hsts,
      undefined,
    );
  });

  test('sites that do not proxy are no hop; proxies inside handle blocks count; placeholders are unknown', () => {
    const hops = model(`
static.example.com {
  file_server
}
{$DOMAIN} {
  handle /api/* {
    reverse_proxy {$UPSTREAM}
  }
}`);
    assert.equal(hops.length, 1);
    const h = hops[0]!;
    assert.deepEqual(
      h.listens.map((l) => [l.port, l.tls]),
      [[undefined, undefined]],
    );
    assert.deepEqual(
      h.targets.map((t) => t.host),
      [undefined],
    );
    assert.equal(h.unknowns?.length, 2);
  });

  test('auto_https off and http_port: the site listens where the global options say', () => {
    const h = model(
      '{\n  auto_https off\n  http_port 8080\n}\nexample.com:8080, example.net {\n  reverse_proxy app:1\n}\n',
    )[0]!;
    assert.deepEqual(
      h.listens.map((l) => [l.port, l.tls ?? false]),
      [
        [8080, false],
        [443, false],
      ],
    );
  });
});
