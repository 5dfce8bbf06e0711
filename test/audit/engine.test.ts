import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import fc from 'fast-check';
import { RequestError, sendRaw, serializeRequest } from '../../src/audit/engine.js';
import { parseConnectToRule, parseResolveRule, route } from '../../src/audit/network.js';
import { generateThrowawayCert } from '../../src/demo/cert.js';
import { CERT, close, listen } from './servers.js';

/** A raw TCP server that records what it received and answers with `reply(data)`. */
async function rawServer(
  onConn: (s: net.Socket) => void,
): Promise<{ port: number; server: net.Server }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConn(s);
    s.resume();
  });
  const port = await listen(server);
  after(async () => {
    for (const s of sockets) s.destroy();
    await close(server);
  });
  return { port, server };
}

const FAST = { connectMs: 500, firstByteMs: 500, totalMs: 1000 };

describe('request engine: exactly as written', () => {
  test('duplicate header lines, absolute-form target and a foreign Host go out verbatim', async () => {
    let got = '';
    const { port } = await rawServer((s) => {
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) s.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    const res = await sendRaw({
      url: new URL(`http://127.0.0.1:${port}/x`),
      target: 'http://elsewhere.invalid/abs?q=1',
      headers: [
        ['Host', 'other.invalid'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Proto', 'https'],
      ],
    });
    assert.equal(res.status, 204);
    const lines = got.split('\r\n');
    assert.equal(lines[0], 'GET http://elsewhere.invalid/abs?q=1 HTTP/1.1');
    assert.equal(lines[1], 'Host: other.invalid');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('X-Forwarded-Proto')),
      ['X-Forwarded-Proto: https', 'X-Forwarded-Proto: https'],
    );
    assert.ok(lines.includes('Connection: close'));
  });

  test('over TLS, the SNI is the URL host while the Host header is whatever the check wrote', async () => {
    let sni: string | undefined;
    let host: string | undefined;
    const server = https.createServer(
      {
        cert: CERT.cert,
        key: CERT.key,
        SNICallback: (name, cb) => {
          sni = name;
          cb(null, tls.createSecureContext({ cert: CERT.cert, key: CERT.key }));
        },
      },
      (req, res) => {
        host = req.headers.host;
        res.end('ok');
      },
    );
    const port = await listen(server);
    after(() => close(server));
    const res = await sendRaw(
      { url: new URL(`https://app.test:${port}/`), headers: [['Host', 'canary.invalid']] },
      {
        tls: { ca: CERT.cert },
        rules: { resolve: [parseResolveRule(`app.test:${port}:127.0.0.1`)], connectTo: [] },
      },
    );
    assert.equal(res.status, 200);
    assert.equal(sni, 'app.test');
    assert.equal(host, 'canary.invalid');
  });

  test('decodes chunked bodies, keeps header order and case, skips 100 Continue', async () => {
    const { port } = await rawServer((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 100 Continue\r\n\r\n');
        s.write(
          'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
        s.write('5\r\nhello\r\n');
        setTimeout(() => s.end('6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'), 10);
      });
    });
    const res = await sendRaw({ url: new URL(`http://127.0.0.1:${port}/`) });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello world');
    assert.deepEqual(
      res.headers.filter(([k]) => k.toLowerCase() === 'set-cookie'),
      [
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    );
  });

  test('cuts a long body at maxBodyBytes and says so', async () => {
    const server = http.createServer((_q, r) => r.end('x'.repeat(100_000)));
    const port = await listen(server);
    after(() => close(server));
    const res = await sendRaw(
      { url: new URL(`http://127.0.0.1:${port}/`) },
      { limits: { maxBodyBytes: 1000 } },
    );
    assert.equal(res.body.length, 1000);
    assert.equal(res.bodyTruncated, true);
  });
});

describe('request engine: bounded, with clear errors', () => {
  const expectError = async (p: Promise<unknown>, kind: string, re: RegExp) => {
    const t0 = performance.now();
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof RequestError, String(e));
      assert.equal(e.kind, kind, e.message);
      assert.match(e.message, re);
      return true;
    });
    return performance.now() - t0;
  };

  test('huge response head: too-large, not a hang', async () => {
    const { port } = await rawServer((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\n');
        const line = `X-Big: ${'a'.repeat(8000)}\r\n`;
        const pump = () => {
          while (!s.destroyed && s.write(line)) {}
          if (!s.destroyed) s.once('drain', pump);
        };
        s.on('error', () => {});
        pump();
      });
    });
    await expectError(
      sendRaw(
        { url: new URL(`http://127.0.0.1:${port}/`) },
        { limits: { ...FAST, maxHeaderBytes: 16 * 1024 } },
      ),
      'too-large',
      /exceeds 16384 bytes/,
    );
  });

  test('slow drip: the total limit ends it', async () => {
    const { port } = await rawServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\n');
        const t = setInterval(
          () => (s.destroyed ? clearInterval(t) : s.write('X-Drip: 1\r\n')),
          50,
        );
        s.on('close', () => clearInterval(t));
      });
    });
    const ms = await expectError(
      sendRaw({ url: new URL(`http://127.0.0.1:${port}/`) }, { limits: FAST }),
      'timeout',
      /total time limit/,
    );
    assert.ok(ms < 1500, `took ${ms} ms`);
  });

  test('silent server: the first-byte limit ends it', async () => {
    const { port } = await rawServer((s) => s.on('error', () => {}));
    await expectError(
      sendRaw({ url: new URL(`http://127.0.0.1:${port}/`) }, { limits: FAST }),
      'timeout',
      /no response .* within 500 ms/,
    );
  });

  test('TLS server that never completes the handshake: the connect limit ends it', async () => {
    const { port } = await rawServer((s) => s.on('error', () => {}));
    await expectError(
      sendRaw({ url: new URL(`https://127.0.0.1:${port}/`) }, { limits: FAST }),
      'timeout',
      /did not finish within 500 ms/,
    );
  });

  test('connection reset: reset', async () => {
    const { port } = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
    await expectError(
      sendRaw({ url: new URL(`http://127.0.0.1:${port}/`) }, { limits: FAST }),
      'reset',
      /reset|closed without a response/,
    );
  });

  test('untrusted self-signed certificate: tls, names the reason', async () => {
    const other = generateThrowawayCert(['localhost']);
    const server = https.createServer({ cert: other.cert, key: other.key }, (_q, r) => r.end());
    const port = await listen(server);
    after(() => close(server));
    await expectError(
      sendRaw(
        { url: new URL(`https://localhost:${port}/`) },
        {
          limits: FAST,
          rules: { resolve: [parseResolveRule(`localhost:${port}:127.0.0.1`)], connectTo: [] },
        },
      ),
      'tls',
      /self-signed/,
    );
    // with the CA it passes; with a wrong name it fails on the name
    const ok = await sendRaw(
      { url: new URL(`https://localhost:${port}/`) },
      {
        tls: { ca: other.cert },
        rules: { resolve: [parseResolveRule(`localhost:${port}:127.0.0.1`)], connectTo: [] },
      },
    );
    assert.equal(ok.status, 200);
    await expectError(
      sendRaw(
        { url: new URL(`https://wrong.test:${port}/`) },
        {
          tls: { ca: other.cert },
          rules: { resolve: [parseResolveRule(`wrong.test:${port}:127.0.0.1`)], connectTo: [] },
        },
      ),
      'tls',
      /ALTNAME|does not match|not in the cert/i,
    );
    const insecure = await sendRaw(
      { url: new URL(`https://wrong.test:${port}/`) },
      {
        tls: { insecure: true },
        rules: { resolve: [parseResolveRule(`wrong.test:${port}:127.0.0.1`)], connectTo: [] },
      },
    );
    assert.equal(insecure.status, 200);
  });

  test('refused and DNS failures', async () => {
    const port = await (async () => {
      const s = net.createServer();
      const p = await listen(s);
      await close(s);
      return p;
    })();
    await expectError(
      sendRaw({ url: new URL(`http://127.0.0.1:${port}/`) }),
      'refused',
      /connection refused by 127\.0\.0\.1:/,
    );
    await expectError(
      sendRaw({ url: new URL('http://does-not-exist.invalid/') }, { limits: FAST }),
      'dns',
      /DNS lookup of does-not-exist\.invalid failed/,
    );
  });

  test('property: arbitrary response bytes never throw synchronously, never hang, always settle', async () => {
    let payload = Buffer.alloc(0);
    const { port } = await rawServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end(payload));
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .string({ maxLength: 200 })
            .map((t) => new TextEncoder().encode(`HTTP/1.1 200 OK\r\n${t}`)),
          fc
            .string({ maxLength: 100 })
            .map((t) =>
              new TextEncoder().encode(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${t}`),
            ),
        ),
        async (bytes) => {
          payload = Buffer.from(bytes);
          const t0 = performance.now();
          try {
            const r = await sendRaw(
              { url: new URL(`http://127.0.0.1:${port}/`) },
              { limits: FAST },
            );
            assert.ok(r.status >= 100 && r.status <= 999);
          } catch (e) {
            assert.ok(e instanceof RequestError, String(e));
          }
          assert.ok(performance.now() - t0 < 1500);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('routing: --resolve and --connect-to (curl-compatible)', () => {
  test('parse and route', () => {
    const rules = {
      resolve: [parseResolveRule('app.test:443:127.0.0.2'), parseResolveRule('[::1]:8443:[::1]')],
      connectTo: [
        parseConnectToRule('app.test:80:backend.test:8080'),
        parseConnectToRule('x.test::other.test:'),
      ],
    };
    assert.deepEqual(route(rules, 'app.test', 443), {
      host: '127.0.0.2',
      port: 443,
      resolvedBy: '--resolve app.test:443:127.0.0.2',
    });
    assert.equal(route(rules, 'app.test', 80).host, 'backend.test');
    assert.equal(route(rules, 'app.test', 80).port, 8080);
    assert.equal(route(rules, 'x.test', 9).host, 'other.test');
    assert.equal(route(rules, 'x.test', 9).port, 9);
    assert.deepEqual(route({ resolve: [], connectTo: [] }, 'plain.test', 1), {
      host: 'plain.test',
      port: 1,
    });
    assert.equal(parseResolveRule('[::1]:8443:[::1]').address, '::1');
    for (const bad of [
      'app.test:443',
      'app.test:x:1.2.3.4',
      'app.test:70000:1.2.3.4',
      ':443:1.2.3.4',
    ]) {
      assert.throws(() => parseResolveRule(bad), /bad/);
    }
    assert.throws(() => parseConnectToRule('a:1:b'), /expected/);
  });

  test('--connect-to sends the connection elsewhere while Host and SNI stay', async () => {
    let host: string | undefined;
    const server = http.createServer((q, r) => {
      host = q.headers.host;
      r.end();
    });
    const port = await listen(server);
    after(() => close(server));
    const res = await sendRaw(
      { url: new URL('http://public.example.invalid/') },
      {
        rules: {
          resolve: [],
          connectTo: [parseConnectToRule(`public.example.invalid:80:127.0.0.1:${port}`)],
        },
      },
    );
    assert.equal(res.status, 200);
    assert.equal(host, 'public.example.invalid');
  });

  test('serializeRequest refuses header injection', () => {
    assert.throws(
      () => serializeRequest({ url: new URL('http://a.test/'), headers: [['X', 'a\r\nEvil: 1']] }),
      /bad header/,
    );
    assert.throws(
      () => serializeRequest({ url: new URL('http://a.test/'), method: 'GE T' }),
      /bad method/,
    );
  });
});

describe('throwaway certificates', () => {
  test('property-ish: 300 generated certificates all parse and load (DER is minimal)', async () => {
    const { X509Certificate } = await import('node:crypto');
    for (let i = 0; i < 300; i++) {
      const c = generateThrowawayCert(['a.test', '127.0.0.1', '::1']);
      const x = new X509Certificate(c.cert);
      assert.match(
        x.subjectAltName ?? '',
        /DNS:a\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/,
      );
      tls.createSecureContext({ cert: c.cert, key: c.key });
    }
  });
});
