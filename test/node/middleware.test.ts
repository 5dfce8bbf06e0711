/**
 * proxytrust/node beyond the shared suite: option validation at start-up, option
 * variants, the writeHead hook in every form Node offers, the warning sinks, debug mode,
 * the `connection` option and the PROXY protocol listener, absoluteUrl, errors.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { compilePolicy } from '../../src/core/index.js';
import {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
  proxytrust,
} from '../../src/node/index.js';
import { acceptProxyProtocol } from '../../src/proxy-protocol/index.js';
import { rawRequest } from '../adapters/raw-http.js';

const HOST = 'app.example.com';

async function serve(
  options: ProxytrustOptions<IncomingMessage>,
  handler: (req: IncomingMessage, res: ServerResponse) => void = (req, res) =>
    res.end(JSON.stringify(getView(req))),
  wrapServer?: (s: ReturnType<typeof createServer>) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const mw = proxytrust(options);
  const server = createServer((req, res) =>
    mw(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        res.end(`error: ${(err as Error).message}`);
      } else handler(req, res);
    }),
  );
  wrapServer?.(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('options are validated at start-up and name the bad value', () => {
  const cases: [string, ProxytrustOptions<IncomingMessage>, RegExp][] = [
    ['preload without includeSubDomains', { hsts: { preload: true } }, /includeSubDomains/],
    [
      'preload under a year',
      { hsts: { preload: true, includeSubDomains: true, maxAge: 86_400 } },
      /31536000/,
    ],
    ['negative maxAge', { hsts: { maxAge: -1 } }, /maxAge/],
    ['redirect without allowedHosts', { httpsRedirect: true }, /allowedHosts/],
    [
      'a redirect status that drops the method',
      { allowedHosts: [HOST], httpsRedirect: { statusForOther: 301 as 307 } },
      /307 or 308/,
    ],
    ['a redirect host with a port', { httpsRedirect: { host: 'a.example:8443' } }, /port/],
    [
      'a relative exemption',
      { allowedHosts: [HOST], httpsRedirect: { exempt: ['healthz'] } },
      /"healthz"/,
    ],
    ['a bad exemption rule', { csrf: { exempt: [42 as never] } }, /invalid rule 42/],
    ['a short probe secret', { probe: { secret: 'short' } }, /16 characters/],
    [
      'a probe path that is not a path',
      { probe: { secret: 'x'.repeat(16), path: 'probe' } },
      /probe\.path/,
    ],
    [
      'policy and inline fields',
      { policy: compilePolicy({}), trustedProxies: ['loopback'] },
      /trustedProxies/,
    ],
    ['a bad trusted origin', { csrf: { trustedOrigins: ['https://*'] } }, /\*/],
    ['a bad CIDR (from the core)', { trustedProxies: ['10.0.0.0/33'] }, /10\.0\.0\.0\/33/],
    ['a connection that is not a function', { connection: 'socket' as never }, /connection/],
    // Typos: unknown keys throw, naming the key and the nearest valid one, at every level.
    ...(
      [
        ['allowedHost', { allowedHost: [HOST] }, 'allowedHosts'],
        ['trustedProxy', { trustedProxy: ['loopback'] }, 'trustedProxies'],
        ['onwarning', { onwarning: () => {} }, 'onWarning'],
        ['logWarning', { logWarning: false }, 'logWarnings'],
        ['httpsRedirects', { httpsRedirects: true }, 'httpsRedirect'],
        [
          'httpsRedirect.exmept',
          { httpsRedirect: { exmept: ['/healthz'] } },
          'httpsRedirect.exempt',
        ],
        ['hsts.maxage', { hsts: { maxage: 600 } }, 'hsts.maxAge'],
        ['hsts.includeSubdomains', { hsts: { includeSubdomains: true } }, 'hsts.includeSubDomains'],
        ['csrf.trustedOrigin', { csrf: { trustedOrigin: [] } }, 'csrf.trustedOrigins'],
        ['csrf.exemt', { csrf: { exemt: [] } }, 'csrf.exempt'],
        ['probe.secrets', { probe: { secrets: ['x'.repeat(16)] } }, 'probe.secret'],
        [
          'cookieWarnings.sessionCookie',
          { cookieWarnings: { sessionCookie: /s/ } },
          'cookieWarnings.sessionCookies',
        ],
        ['limits.maxHop', { limits: { maxHop: 3 } }, 'limits.maxHops'],
        [
          'sharedSecret.value',
          { sharedSecret: { header: 'x-s', value: [] } },
          'sharedSecret.values',
        ],
      ] as const
    ).map(([key, options, near]): [string, ProxytrustOptions<IncomingMessage>, RegExp] => [
      `the typo ${key}`,
      options as ProxytrustOptions<IncomingMessage>,
      new RegExp(`^proxytrust: unknown option "${key}"; did you mean "${near}"\\?$`),
    ]),
    [
      'an unknown key that is near nothing lists the valid ones',
      { hsts: { zzzzzz: 1 } as never },
      /^proxytrust: unknown option "hsts\.zzzzzz"; the valid keys of hsts are: maxAge, includeSubDomains, preload$/,
    ],
    [
      'an unknown key beside a precompiled policy',
      { policy: compilePolicy({}), alowedHosts: [] } as never,
      /"alowedHosts"; did you mean "allowedHosts"/,
    ],
  ];
  for (const [name, options, message] of cases) {
    test(name, () => assert.throws(() => proxytrust(options), { name: 'TypeError', message }));
  }
  test('preload with a year and includeSubDomains is accepted', () => {
    assert.doesNotThrow(() =>
      proxytrust({ hsts: { preload: true, includeSubDomains: true, maxAge: 63_072_000 } }),
    );
  });
  test('a redirect with a fixed host needs no allowedHosts', () => {
    assert.doesNotThrow(() => proxytrust({ httpsRedirect: { host: 'www.example.com' } }));
  });
});

describe('option variants', () => {
  test('308 for every method, a fixed host and port', async () => {
    const s = await serve({
      allowedHosts: [HOST],
      httpsRedirect: {
        statusForGet: 308,
        statusForOther: 308,
        host: 'secure.example.com',
        port: 8443,
      },
    });
    try {
      for (const method of ['GET', 'POST']) {
        const r = await rawRequest(s.port, {
          method,
          target: '/a?b=c',
          headers: [['Host', HOST]],
          body: '',
        });
        assert.equal(r.status, 308);
        assert.equal(r.header('location'), 'https://secure.example.com:8443/a?b=c');
      }
    } finally {
      await s.close();
    }
  });
  test('a predicate exemption receives the request and the path', async () => {
    const seen: string[] = [];
    const s = await serve({
      allowedHosts: [HOST],
      httpsRedirect: {
        exempt: [
          (req, path) => {
            seen.push(`${req.method} ${path}`);
            return req.headers['user-agent'] === 'ELB-HealthChecker/2.0';
          },
        ],
      },
    });
    try {
      const lb = await rawRequest(s.port, {
        target: '/x?y=1',
        headers: [
          ['Host', HOST],
          ['User-Agent', 'ELB-HealthChecker/2.0'],
        ],
      });
      assert.equal(lb.status, 200);
      const other = await rawRequest(s.port, { target: '/x', headers: [['Host', HOST]] });
      assert.equal(other.status, 301);
      assert.deepEqual(seen, ['GET /x', 'GET /x']);
    } finally {
      await s.close();
    }
  });
  test('a throwing predicate goes to next(err), not a crash', async () => {
    const s = await serve({
      allowedHosts: [HOST],
      httpsRedirect: {
        exempt: [
          () => {
            throw new Error('boom');
          },
        ],
      },
    });
    try {
      const r = await rawRequest(s.port, { target: '/x', headers: [['Host', HOST]] });
      assert.equal(r.status, 500);
      assert.equal(r.body, 'error: boom');
    } finally {
      await s.close();
    }
  });
  test('secureCookies: false leaves cookies alone on secure responses', async () => {
    const s = await serve({ secureCookies: false, trustedProxies: ['loopback'] }, (_req, res) => {
      res.setHeader('Set-Cookie', 'a=1');
      res.end();
    });
    try {
      const r = await rawRequest(s.port, {
        headers: [
          ['Host', HOST],
          ['X-Forwarded-Proto', 'https'],
        ],
      });
      assert.deepEqual(r.all('set-cookie'), ['a=1']);
    } finally {
      await s.close();
    }
  });
  test('a precompiled policy works like the inline fields', async () => {
    const policy = compilePolicy({ trustedProxies: ['loopback'], allowedHosts: [HOST] });
    const s = await serve({ policy });
    try {
      assert.equal((await rawRequest(s.port, { headers: [['Host', 'evil.example']] })).status, 400);
      const r = await rawRequest(s.port, {
        headers: [
          ['Host', HOST],
          ['X-Forwarded-For', '198.51.100.4'],
        ],
      });
      assert.equal(JSON.parse(r.body).clientIp, '198.51.100.4');
    } finally {
      await s.close();
    }
  });
});

describe('the header hook sees every way Node writes headers', () => {
  const secure: [string, string][] = [
    ['Host', HOST],
    ['X-Forwarded-Proto', 'https'],
  ];
  const options = { trustedProxies: ['loopback'], hsts: { maxAge: 60 } };
  const cases: [string, (res: ServerResponse) => void, string[], string[]][] = [
    ['implicit headers (res.end)', (res) => res.end('x'), ['max-age=60'], []],
    [
      'writeHead with a reason phrase and an object',
      (res) => res.writeHead(200, 'Fine', { 'Set-Cookie': ['a=1', 'b=2; Secure'] }).end(),
      ['max-age=60'],
      ['a=1; Secure', 'b=2; Secure'],
    ],
    [
      'writeHead with a flat array, duplicates kept',
      (res) => res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'c=3']).end(),
      ['max-age=60'],
      ['a=1; Secure', 'c=3; Secure'],
    ],
    [
      'the app sets HSTS through a writeHead array: one header, the app’s',
      (res) => res.writeHead(200, ['Strict-Transport-Security', 'max-age=1']).end(),
      ['max-age=1'],
      [],
    ],
    [
      'appendHeader for cookies, setHeader before',
      (res) => {
        res.setHeader('Set-Cookie', 'a=1; Path=/secure');
        res.appendHeader('Set-Cookie', 'b=2; secure=1');
        res.end();
      },
      ['max-age=60'],
      ['a=1; Path=/secure; Secure', 'b=2; secure=1'],
    ],
    [
      'a single string cookie',
      (res) => {
        res.setHeader('Set-Cookie', 'solo=1; HttpOnly');
        res.end();
      },
      ['max-age=60'],
      ['solo=1; HttpOnly; Secure'],
    ],
  ];
  for (const [name, write, hsts, cookies] of cases) {
    test(name, async () => {
      const s = await serve(options, (_req, res) => write(res));
      try {
        const r = await rawRequest(s.port, { headers: secure });
        assert.equal(r.status, 200);
        assert.deepEqual(r.all('strict-transport-security'), hsts);
        assert.deepEqual(r.all('set-cookie'), cookies);
      } finally {
        await s.close();
      }
    });
  }
  test('the added HSTS line is spelled in lower case, as the middleware’s own answers are', async () => {
    const s = await serve(options, (_req, res) => res.end('x'));
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const c = net.connect(s.port, '127.0.0.1');
        let got = '';
        c.on('error', reject);
        c.on('data', (d: Buffer) => {
          got += d.toString('latin1');
        });
        c.on('end', () => resolve(got));
        c.write(
          `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n`,
        );
      });
      assert.match(text, /\r\nstrict-transport-security: max-age=60\r\n/);
    } finally {
      await s.close();
    }
  });
  test('an invalid header in writeHead still fails the way Node fails', async () => {
    let caught: unknown;
    const s = await serve(options, (_req, res) => {
      try {
        res.writeHead(200, { 'Bad Header': 'x' });
      } catch (err) {
        caught = err;
      }
      res.end();
    });
    try {
      await rawRequest(s.port, { headers: secure });
      assert.equal((caught as { code?: string })?.code, 'ERR_INVALID_HTTP_TOKEN');
    } finally {
      await s.close();
    }
  });
});

describe('warnings', () => {
  test('policy warnings reach onWarning at start-up, without a request', () => {
    const got: [HttpWarning, unknown][] = [];
    proxytrust({ trustedProxies: ['0.0.0.0/0'], onWarning: (w, req) => got.push([w, req]) });
    assert.equal(got[0]?.[0].code, 'TRUST_ALL');
    assert.equal(got[0]?.[1], undefined);
  });
  test('without onWarning, diagnostics and policy warnings go to process warnings; request warnings that forge nothing stay quiet', async () => {
    const seen: string[] = [];
    const listener = (w: Error & { code?: string }): void => {
      if (w.name === 'ProxytrustWarning') seen.push(w.code ?? '');
    };
    process.on('warning', listener);
    try {
      proxytrust({ allowedHosts: ['*'] });
      const s = await serve({
        trustedProxies: ['loopback'],
        allowedHosts: [HOST],
        httpsRedirect: true,
      });
      try {
        await rawRequest(s.port, { headers: [['Host', HOST]] });
        await rawRequest(s.port, { headers: [['Host', 'evil.example']] });
      } finally {
        await s.close();
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen, ['ALLOWED_HOSTS_WILDCARD', HttpWarningCodes.REDIRECT_NO_SCHEME]);
    } finally {
      process.off('warning', listener);
    }
  });
  test('a throwing onWarning does not break the request', async () => {
    const s = await serve({
      onWarning: () => {
        throw new Error('hook failed');
      },
    });
    try {
      const r = await rawRequest(s.port, {
        headers: [
          ['Host', HOST],
          ['X-Forwarded-For', '1.2.3.4'],
        ],
      });
      assert.equal(r.status, 200);
    } finally {
      await s.close();
    }
  });
  test('the redirect diagnostic names a scheme header that is sent but not believed', async () => {
    const got: HttpWarning[] = [];
    const s = await serve({
      trustedProxies: ['loopback'],
      headers: ['x-forwarded'],
      allowedHosts: [HOST],
      httpsRedirect: true,
      onWarning: (w) => got.push(w),
    });
    try {
      await rawRequest(s.port, {
        headers: [
          ['Host', HOST],
          ['CloudFront-Forwarded-Proto', 'https'],
        ],
      });
      const w = got.find((x) => x.code === HttpWarningCodes.REDIRECT_NO_SCHEME);
      assert.match(w?.message ?? '', /add 'cloudfront-forwarded-proto' to headers/);
    } finally {
      await s.close();
    }
  });
  test('cookie diagnostics are rate-limited per cookie', async () => {
    const got: HttpWarning[] = [];
    const s = await serve({ onWarning: (w) => got.push(w) }, (_req, res) => {
      res.setHeader('Set-Cookie', ['sid=1', 'auth_token=2']);
      res.end();
    });
    try {
      for (let i = 0; i < 3; i++) await rawRequest(s.port, { headers: [['Host', HOST]] });
      assert.deepEqual(
        got.map((w) => w.value),
        ['sid', 'auth_token'],
      );
    } finally {
      await s.close();
    }
  });
});

describe('debug mode', () => {
  test('PROXYTRUST_DEBUG=1 logs one line per request to stderr', async () => {
    const lines: string[] = [];
    const original = console.error;
    process.env.PROXYTRUST_DEBUG = '1';
    console.error = (line: string) => lines.push(line);
    let s: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      s = await serve({ trustedProxies: ['loopback'] });
      delete process.env.PROXYTRUST_DEBUG;
      await rawRequest(s.port, {
        target: '/p?q=1',
        headers: [
          ['Host', HOST],
          ['X-Forwarded-Proto', 'https'],
          ['X-Forwarded-Proto', 'http'],
        ],
      });
    } finally {
      console.error = original;
      delete process.env.PROXYTRUST_DEBUG;
      await s?.close();
    }
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /^proxytrust GET \/p\?q=1 scheme=\w+ host=app\.example\.com client=127\.0\.0\.1 peer=127\.0\.0\.1 \(trusted\)/,
    );
    assert.match(lines[0]!, /x-forwarded-proto="https"\|"http"/);
    assert.match(lines[0]!, /warnings=.*DUPLICATE_HEADER_LINES/);
  });
  test('off by default', async () => {
    const lines: unknown[] = [];
    const original = console.error;
    console.error = (line: unknown) => lines.push(line);
    const s = await serve({});
    try {
      await rawRequest(s.port, { headers: [['Host', HOST]] });
    } finally {
      console.error = original;
      await s.close();
    }
    assert.deepEqual(lines, []);
  });
});

describe('where the peer comes from', () => {
  test('the connection option replaces the socket', async () => {
    const s = await serve({
      trustedProxies: ['10.0.0.0/8'],
      connection: () => ({ peer: '10.1.2.3', encrypted: true }),
    });
    try {
      const v = JSON.parse(
        (
          await rawRequest(s.port, {
            headers: [
              ['Host', HOST],
              ['X-Forwarded-For', '198.51.100.9'],
            ],
          })
        ).body,
      );
      assert.equal(v.peer, '10.1.2.3');
      assert.equal(v.clientIp, '198.51.100.9');
      assert.equal(v.scheme, 'https');
    } finally {
      await s.close();
    }
  });
  test('a verified peer (mTLS) is trusted with trustVerifiedPeers', async () => {
    const s = await serve({
      trustVerifiedPeers: true,
      connection: (req) => ({
        peer: req.socket.remoteAddress,
        encrypted: true,
        peerVerified: req.headers['x-test-verified'] === 'yes',
      }),
    });
    try {
      const headers: [string, string][] = [
        ['Host', HOST],
        ['X-Forwarded-For', '198.51.100.9'],
      ];
      const verified = await rawRequest(s.port, {
        headers: [...headers, ['X-Test-Verified', 'yes']],
      });
      assert.equal(JSON.parse(verified.body).clientIp, '198.51.100.9');
      const not = await rawRequest(s.port, { headers });
      assert.equal(JSON.parse(not.body).clientIp, '127.0.0.1');
    } finally {
      await s.close();
    }
  });
  test('behind the PROXY protocol listener the PROXY source is the peer, and its TLS facts count', async () => {
    const s = await serve({ trustedProxies: ['10.0.0.0/8'] }, undefined, (server) =>
      acceptProxyProtocol(server, { sources: ['loopback'], senderTerminatesTls: true }),
    );
    try {
      const r = await rawRequest(s.port, {
        raw: `PROXY TCP4 10.9.8.7 10.0.0.1 40000 443\r\nGET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Forwarded-For: 198.51.100.20\r\nConnection: close\r\n\r\n`,
      });
      const v = JSON.parse(r.body);
      assert.equal(v.peer, '10.9.8.7');
      assert.equal(v.peerTrusted, true);
      assert.equal(v.clientIp, '198.51.100.20');
      assert.equal(v.scheme, 'https');
    } finally {
      await s.close();
    }
  });
});

describe('absoluteUrl and getView', () => {
  const view = { scheme: 'https', host: 'a.example', prefix: '/app' } as never;
  test('builds from scheme, host and prefix', () => {
    assert.equal(absoluteUrlOf(view, '/x?y=1'), 'https://a.example/app/x?y=1');
  });
  test('refuses paths that would leave the host', () => {
    for (const p of [
      '//evil.example/x',
      '/\\evil.example',
      'x',
      'https://evil.example/',
      '/a b',
      '/a\r\nb',
    ]) {
      assert.throws(() => absoluteUrlOf(view, p), TypeError, p);
    }
  });
  test('says what is missing', () => {
    assert.throws(() => absoluteUrl({}, '/x'), /install the proxytrust middleware/);
    assert.throws(
      () => absoluteUrlOf({ scheme: 'http', host: undefined } as never, '/x'),
      /no usable host/,
    );
    assert.equal(getView(null), undefined);
    assert.equal(getView('req'), undefined);
  });
});

describe('handle and wrap (plain node:http)', () => {
  test('wrap answers refusals itself and hands the rest to the handler', async () => {
    const guard = proxytrust({ allowedHosts: [HOST] });
    const server = createServer(guard.wrap((_req, res) => res.end('app')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.equal((await rawRequest(port, { headers: [['Host', HOST]] })).body, 'app');
      assert.equal((await rawRequest(port, { headers: [['Host', 'evil.example']] })).status, 400);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
