/** The Apache hop model: what the cross-file rules read of an Apache configuration. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apacheHandler } from '../../../src/lint/apache/handler.js';
import { apacheModel } from '../../../src/lint/apache/model.js';

const model = (text: string) =>
  apacheModel(apacheHandler.parse('site.conf', text, { noIncludes: true }).input);
const writes = (text: string, k = 0) =>
  model(text)[k]!.writes.map((w) => [
    w.name,
    w.action,
    w.implicit ?? false,
    w.onlyTls ?? false,
    w.at.line,
  ]);

describe('Apache hop model', () => {
  test('one hop per proxying virtual host: listeners, TLS, targets, source, HSTS', () => {
    const hops = model(`Listen 443
ProxySourceAddress 127.0.0.10
<VirtualHost *:80>
  RewriteEngine On
  RewriteRule ^/?(.*) https://%{SERVER_NAME}/$1 [R,L]
</VirtualHost>
<IfModule mod_ssl.c>
<VirtualHost 192.0.2.1:443 [::1]:8443>
  SSLEngine on
  Header always set Strict-Transport-Security "max-age=63072000"
  <Location /static>
    ProxyPass !
  </Location>
  ProxyPass /ws ws://127.0.0.1:8001/
  ProxyPass / balancer://app/
  RewriteRule ^/legacy/(.*) http://legacy:8080/$1 [P,L]
  <Proxy balancer://app>
    BalancerMember http://10.0.0.1:8000
    BalancerMember unix:/run/app.sock|http://localhost/
  </Proxy>
</VirtualHost>
</IfModule>
`);
    assert.equal(hops.length, 1);
    const h = hops[0]!;
    assert.equal(h.label, 'apache <VirtualHost 192.0.2.1:443 [::1]:8443> ssl');
    assert.deepEqual(
      h.listens.map((l) => [l.host, l.port, l.tls]),
      [
        ['192.0.2.1', 443, true],
        ['::1', 8443, true],
      ],
    );
    assert.deepEqual(
      h.targets.map((t) => [t.host, t.port, t.socket, t.at.line]),
      [
        ['127.0.0.1', 8001, undefined, 14],
        ['10.0.0.1', 8000, undefined, 18],
        [undefined, undefined, '/run/app.sock', 19],
        ['legacy', 8080, undefined, 16],
      ],
    );
    assert.equal(h.source, '127.0.0.10');
    assert.equal(h.hsts?.line, 10);
  });

  test("mod_proxy's appended headers come after RequestHeader: unset then append is a set", () => {
    assert.deepEqual(
      writes(`RequestHeader unset Forwarded
<VirtualHost *:80>
  RequestHeader unset X-Forwarded-For
  RequestHeader set X-Forwarded-Proto "expr=%{REQUEST_SCHEME}"
  RequestHeader set X-Forwarded-Ssl on env=HTTPS
  RequestHeader setifempty X-Forwarded-Port 80
  RequestHeader add X-Real-IP x
  RequestHeader set X-Forwarded-Prefix "expr=%{req:X-Forwarded-Prefix}"
  RequestHeader edit X-Original-URL ^ /
  RequestHeader set X-Tenant a env=TENANT
  <Location />
    RequestHeader set X-Scheme https early
  </Location>
  ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`),
      [
        ['forwarded', 'clear', false, false, 1],
        ['x-forwarded-for', 'set', true, false, 3],
        ['x-forwarded-proto', 'set', false, false, 4],
        ['x-forwarded-ssl', 'set', false, true, 5],
        ['x-forwarded-port', 'if-absent', false, false, 6],
        ['x-real-ip', 'append', false, false, 7],
        ['x-scheme', 'set', false, false, 12],
        ['x-forwarded-host', 'append', true, false, 14],
        ['x-forwarded-server', 'append', true, false, 14],
        ['host', 'set', true, false, 14],
      ],
    );
    const h = model(
      '<VirtualHost *:80>\n  RequestHeader set X-Tenant a env=TENANT\n  <If "%{HTTPS} == \'on\'">\n    RequestHeader set X-Forwarded-Proto https\n  </If>\n  ProxyPass / http://a:1/\n</VirtualHost>\n',
    )[0]!;
    assert.equal(h.unknowns?.length, 2);
    assert.ok(!h.writes.some((w) => w.name === 'x-forwarded-proto' || w.name === 'x-tenant'));
  });

  test('ProxyAddHeaders Off: no X-Forwarded-*; ProxyPreserveHost Off: Host set; the main server proxies too', () => {
    assert.deepEqual(writes('ProxyAddHeaders Off\nProxyPass / http://127.0.0.1:8000/\n'), [
      ['host', 'set', true, false, 2],
    ]);
    assert.deepEqual(
      writes('ProxyAddHeaders Off\nProxyPreserveHost On\nProxyPass / http://127.0.0.1:8000/\n'),
      [],
    );
    const h = model(
      'Listen 8080\nRequestHeader set X-Forwarded-Proto http\nHeader set Strict-Transport-Security max-age=1\nProxyPass / http://127.0.0.1:8000/\n',
    )[0]!;
    assert.deepEqual(
      h.writes.map((w) => [w.name, w.action]),
      [
        ['x-forwarded-proto', 'set'],
        ['x-forwarded-for', 'append'],
        ['x-forwarded-host', 'append'],
        ['x-forwarded-server', 'append'],
        ['host', 'set'],
      ],
    );
    assert.equal(h.hsts?.line, 3);
    assert.equal(h.label, 'apache main server');
    assert.deepEqual(
      h.listens.map((l) => [l.host, l.port]),
      [[undefined, 8080]],
    );
  });

  test('RemoteIP: the header is a belief; the vhost list wins over the main one; no list trusts all', () => {
    const [a, b] = model(`RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 10.0.0.0/8
<VirtualHost *:80>
  ProxyPass / http://a:1/
</VirtualHost>
<VirtualHost *:81>
  RemoteIPHeader X-Real-IP
  RemoteIPTrustedProxy 192.0.2.0/24 0.0.0.0/0
  ProxyPass / http://a:1/
</VirtualHost>
`);
    assert.deepEqual(
      a!.believes.map((x) => [x.name, x.purpose]),
      [['x-forwarded-for', 'client']],
    );
    assert.deepEqual([a!.trust?.cidrs, a!.trust?.all], [['10.0.0.0/8'], undefined]);
    assert.deepEqual(
      b!.believes.map((x) => x.name),
      ['x-real-ip'],
    );
    assert.deepEqual([b!.trust?.cidrs, b!.trust?.all], [['192.0.2.0/24', '0.0.0.0/0'], true]);
    const none = model(
      '<VirtualHost *:80>\n  RemoteIPHeader X-Forwarded-For\n  ProxyPass / http://a:1/\n</VirtualHost>\n',
    )[0]!;
    assert.equal(none.trust?.all, true);
  });

  test('a templated RemoteIPTrustedProxy or ProxySourceAddress is unknown, never an address', () => {
    const [h] = model(`<VirtualHost *:80>
  RemoteIPHeader X-Forwarded-For
  RemoteIPTrustedProxy {{ lb_address }}
  ProxySourceAddress {{ source_address }}
  ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`);
    assert.equal(h!.trust?.unknown, true);
    assert.equal(h!.source, undefined);
  });

  test('a virtual host that does not proxy is no hop; an unknown target is kept as unknown', () => {
    assert.deepEqual(model('<VirtualHost *:80>\n  DocumentRoot /srv\n</VirtualHost>\n'), []);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's own ${VAR} syntax, not a template
    const h = model('<VirtualHost *:80>\n  ProxyPass / http://${BACKEND}/\n</VirtualHost>\n')[0]!;
    assert.deepEqual(
      h.targets.map((t) => [t.host, t.port]),
      [[undefined, undefined]],
    );
  });
});
