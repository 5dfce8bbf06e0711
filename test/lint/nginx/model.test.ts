/** The nginx hop model: what the cross-file rules read of an nginx file. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nginxHandler } from '../../../src/lint/nginx/handler.js';
import { nginxModel, splitAddress } from '../../../src/lint/nginx/model.js';

const model = (text: string, name = 'site.conf') =>
  nginxModel(nginxHandler.parse(name, text, { noIncludes: true }).input);

describe('nginx hop model', () => {
  test('one hop per proxying server: listeners, targets, writes, HSTS', () => {
    const hops = model(`
upstream app { server 127.0.0.1:8000; server unix:/run/app.sock; }
server {
  listen 443 ssl;
  listen [::]:443 ssl;
  add_header Strict-Transport-Security "max-age=63072000" always;
  location / {
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;
    proxy_set_header Forwarded "";
    proxy_pass http://app;
  }
}
server {
  listen 80;
  return 301 https://$host$request_uri;
}`);
    assert.equal(hops.length, 1);
    const h = hops[0]!;
    assert.equal(h.role, 'proxy');
    assert.deepEqual(
      h.listens.map((l) => [l.host, l.port, l.tls]),
      [
        [undefined, 443, true],
        ['::', 443, true],
      ],
    );
    assert.deepEqual(
      h.targets.map((t) => [t.host, t.port, t.socket]),
      [
        ['127.0.0.1', 8000, undefined],
        [undefined, undefined, '/run/app.sock'],
      ],
    );
    // the client's X-Forwarded-Host relayed is no write: it passes through
    assert.deepEqual(
      h.writes.map((w) => [w.name, w.action, w.at.line]),
      [
        ['x-forwarded-for', 'append', 8],
        ['x-forwarded-proto', 'set', 9],
        ['forwarded', 'clear', 11],
      ],
    );
    assert.equal(h.hsts?.line, 6);
  });

  test('a relay through map is no write; real_ip is a belief with its trust', () => {
    const [h] = model(`
map $http_x_forwarded_proto $fwd { default $http_x_forwarded_proto; "" $scheme; }
server {
  listen 127.0.0.1:8080;
  set_real_ip_from 10.0.0.0/8;
  real_ip_header X-Forwarded-For;
  location / {
    proxy_set_header X-Forwarded-Proto $fwd;
    proxy_pass http://127.0.0.1:9000;
  }
}`);
    assert.deepEqual(h!.writes, []);
    assert.deepEqual(
      h!.believes.map((b) => [b.name, b.purpose]),
      [['x-forwarded-for', 'client']],
    );
    assert.deepEqual(h!.trust?.cidrs, ['10.0.0.0/8']);
  });

  test('a template placeholder (envsubst, dollar-brace VAR) in real_ip is unknown, never a header name', () => {
    const [h] = model(`
server {
  listen 8080;
  set_real_ip_from \${UPSTREAM_REAL_IP_ADDRESS};
  real_ip_header \${UPSTREAM_REAL_IP_HEADER};
  location / { proxy_pass http://backend:8000; }
}`);
    assert.deepEqual(h!.believes, []);
    assert.equal(h!.trust?.unknown, true);
    assert.match(h!.unknowns?.join('\n') ?? '', /real_ip_header is a template value/);
  });

  test('addresses', () => {
    assert.deepEqual(splitAddress('127.0.0.1:8000', 80), { host: '127.0.0.1', port: 8000 });
    assert.deepEqual(splitAddress('[::1]:81', 80), { host: '::1', port: 81 });
    assert.deepEqual(splitAddress('8443', 80), { port: 8443 });
    assert.deepEqual(splitAddress('app', 80), { host: 'app', port: 80 });
    assert.deepEqual(splitAddress('*:80', 80), { port: 80 });
    assert.deepEqual(splitAddress('unix:/tmp/a.sock:', 80), { socket: '/tmp/a.sock' });
    assert.deepEqual(splitAddress('$backend', 80), {});
  });

  test('property: any nginx-ish text gives a model without throwing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'server {',
            '}',
            'listen 443 ssl;',
            'listen [::]:80;',
            'location / {',
            'proxy_pass http://127.0.0.1:1;',
            'proxy_pass $x;',
            'uwsgi_pass unix:/s;',
            'proxy_set_header X-Forwarded-Proto "";',
            'upstream u { server 1.2.3.4; }',
            'proxy_pass http://u;',
            'set_real_ip_from 0.0.0.0/0;',
            '"',
            ';',
          ),
          { maxLength: 30 },
        ),
        (lines) => {
          model(lines.join('\n'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
