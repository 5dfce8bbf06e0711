/**
 * Hono on runtimes other than Node, through `app.fetch(request, env)` with the env each
 * runtime passes: Bun's server (`requestIP`), Deno's handler info (`remoteAddr`), and none
 * (Cloudflare Workers), where a `connection` function and a shared secret decide.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { getView, type ProxytrustHonoOptions, proxytrust } from '../../src/adapters/hono.js';
import { addSecure, cookieName, hasSecure } from '../../src/node/index.js';

function app(options: ProxytrustHonoOptions): Hono {
  const a = new Hono();
  a.use(proxytrust(options));
  a.get('/', (c) => {
    c.header('Set-Cookie', 'sid=1; Path=/');
    return c.json(getView(c));
  });
  return a;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON of a view
type Json = any;
const body = async (r: Response): Promise<Json> => r.json();

const forwarded = {
  host: 'app.example.com',
  'x-forwarded-for': '198.51.100.7',
  'x-forwarded-proto': 'https',
};

describe('Hono beyond Node', () => {
  test('Bun: the peer is server.requestIP(request)', async () => {
    const bunServer = { requestIP: () => ({ address: '10.0.0.9', family: 'IPv4', port: 1 }) };
    const r = await app({ trustedProxies: ['10.0.0.0/8'], hsts: true }).fetch(
      new Request('http://app.example.com/', { headers: forwarded }),
      bunServer,
    );
    const v = await body(r);
    assert.equal(v.peer, '10.0.0.9');
    assert.equal(v.clientIp, '198.51.100.7');
    assert.equal(v.scheme, 'https');
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000');
    assert.equal(r.headers.get('set-cookie'), 'sid=1; Path=/; Secure');
  });
  test('Deno: the peer is info.remoteAddr', async () => {
    const info = { remoteAddr: { transport: 'tcp', hostname: '10.0.0.8', port: 2 } };
    const r = await app({ trustedProxies: ['10.0.0.0/8'] }).fetch(
      new Request('http://app.example.com/', { headers: forwarded }),
      info,
    );
    assert.equal((await body(r)).peer, '10.0.0.8');
  });
  test('no peer (Workers): nothing forwarded is believed; TLS comes from the URL', async () => {
    const r = await app({ trustedProxies: ['10.0.0.0/8'] }).fetch(
      new Request('https://app.example.com/', { headers: forwarded }),
    );
    const v = await body(r);
    assert.equal(v.clientIp, '');
    assert.equal(v.peerTrusted, false);
    assert.equal(v.scheme, 'https');
  });
  test('Workers: a connection placeholder plus a shared secret set by the edge', async () => {
    const options: ProxytrustHonoOptions = {
      trustedProxies: ['192.0.2.1'],
      sharedSecret: { header: 'x-edge-secret', values: ['0123456789abcdef-edge'] },
      connection: (c) => ({ peer: '192.0.2.1', encrypted: c.req.url.startsWith('https:') }),
    };
    const withSecret = await app(options).fetch(
      new Request('http://app.example.com/', {
        headers: { ...forwarded, 'x-edge-secret': '0123456789abcdef-edge' },
      }),
    );
    assert.equal((await body(withSecret)).clientIp, '198.51.100.7');
    const without = await app(options).fetch(
      new Request('http://app.example.com/', { headers: forwarded }),
    );
    const v = await body(without);
    assert.equal(v.clientIp, '192.0.2.1');
    assert.ok(v.warnings.some((w: { code: string }) => w.code === 'SHARED_SECRET_MISMATCH'));
  });
  test('immutable response headers are copied, not lost', async () => {
    const a = new Hono();
    a.use(proxytrust({ connection: () => ({ peer: '127.0.0.1', encrypted: true }), hsts: true }));
    a.get('/', () => {
      const r = Response.redirect('https://app.example.com/x', 302);
      return r; // Response.redirect has immutable headers
    });
    const r = await a.fetch(new Request('https://app.example.com/'));
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000');
  });
});

describe('Set-Cookie helpers', () => {
  test('Secure is an attribute, in any case, with or without a value', () => {
    assert.equal(hasSecure('a=1; Secure'), true);
    assert.equal(hasSecure('a=1;secure'), true);
    assert.equal(hasSecure('a=1; SECURE=1; Path=/'), true);
    assert.equal(hasSecure('a=secure'), false);
    assert.equal(hasSecure('a=1; Path=/secure'), false);
    assert.equal(hasSecure('secure=1'), false);
  });
  test('names and adding Secure', () => {
    assert.equal(cookieName(' sid =1; Path=/'), 'sid');
    assert.equal(cookieName('novalue'), '');
    assert.deepEqual(addSecure(['a=1', 'b=2; Secure']), ['a=1; Secure', 'b=2; Secure']);
    assert.equal(addSecure(['b=2; Secure']), undefined);
  });
});
