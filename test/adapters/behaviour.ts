/**
 * The ONE behavioural suite of the HTTP layer, run against every binding (node:http,
 * Express, Fastify, Koa, Hono) through a real server on loopback and real HTTP requests.
 *
 * Peers: connections from 127.0.0.1 come from the trusted proxy; connections from
 * 127.0.0.2 are an untrusted client reaching the app directly.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { FAMILY_HEADERS, WarningCodes } from '../../src/core/index.js';
import {
  DEFAULT_PROBE_PATH,
  type HttpWarning,
  HttpWarningCodes,
  PROBE_HEADER,
  type ProxytrustOptions,
  signProbe,
} from '../../src/node/index.js';
import { behindJunk, type RawRequest, type RawResponse, rawRequest } from './raw-http.js';
import { COOKIES, OWN_HSTS, type Running, type ServerFactory } from './servers.js';

const SECRET = 'probe-secret-0123456789abcdef';
const HOST = 'app.example.com';
const PROXY = '127.0.0.1';
const CLIENT = '127.0.0.2';
const HSTS = 'max-age=600; includeSubDomains';

type Headers = [string, string][];

interface Shape {
  view: {
    scheme: string;
    secure: boolean;
    host: string | undefined;
    hostname: string | undefined;
    port: number;
    clientIp: string | undefined;
    prefix: string | undefined;
    peerTrusted: boolean;
  };
  url: string;
  path: string;
  native: Record<string, unknown>;
}

/** The framework's own accessors must say what the view says. */
function assertNativeAgrees(s: Shape): void {
  const v = s.view;
  const n = s.native;
  if ('protocol' in n) assert.equal(n.protocol, v.scheme, 'native protocol');
  if ('secure' in n) assert.equal(n.secure, v.secure, 'native secure');
  if ('hostname' in n) assert.equal(n.hostname, v.hostname, 'native hostname');
  if ('host' in n) assert.equal(n.host, v.host, 'native host');
  // A client that cannot be known: the view says undefined, Express undefined, Koa and Fastify ''.
  if ('ip' in n) assert.equal(n.ip === '' ? undefined : n.ip, v.clientIp, 'native ip');
  if ('port' in n) assert.equal(n.port, v.port, 'native port');
  if ('href' in n) assert.ok(String(n.href).startsWith(`${v.scheme}://${v.host}/`), 'native href');
}

function json(r: RawResponse): Shape {
  assert.equal(r.status, 200, `expected 200, got ${r.status}: ${r.body.slice(0, 300)}`);
  const s = JSON.parse(r.body) as Shape;
  assertNativeAgrees(s);
  return s;
}

const secureFromProxy = (extra: Headers = []): Headers => [
  ['Host', HOST],
  ['X-Forwarded-For', '203.0.113.7'],
  ['X-Forwarded-Proto', 'https'],
  ...extra,
];

/**
 * Run the whole suite against one binding. `features` lists what only some bindings
 * have (Fastify's per-route CSRF opt-out).
 */
export function behaviourSuite(
  name: string,
  factory: ServerFactory,
  features: { perRouteCsrf?: boolean } = {},
): void {
  describe(`${name}: the HTTP layer's behaviour`, () => {
    const warnings: HttpWarning[] = [];
    const debugLines: string[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: shared across frameworks
    const full: ProxytrustOptions<any> = {
      trustedProxies: [PROXY],
      // The test proxy writes Forwarded and every X-Forwarded-* (named since 0.2.0: only named headers are believed).
      headers: ['x-forwarded', 'forwarded'],
      allowedHosts: [HOST, '.example.org'],
      httpsRedirect: { exempt: ['/healthz', { prefix: '/internal/' }, /^\/status$/] },
      hsts: { maxAge: 600, includeSubDomains: true },
      csrf: { trustedOrigins: ['https://admin.example.com'], exempt: ['/webhook'] },
      probe: { secret: SECRET },
      onWarning: (w) => warnings.push(w),
      debug: (line) => debugLines.push(line),
    };
    let app: Running;
    let plain: Running;
    const plainWarnings: HttpWarning[] = [];
    const send = (req: RawRequest): Promise<RawResponse> => rawRequest(app.port, req);
    const codes = (): string[] => warnings.map((w) => w.code);

    before(async () => {
      app = await factory(full);
      plain = await factory({
        trustedProxies: [PROXY],
        onWarning: (w) => plainWarnings.push(w),
      });
    });
    after(async () => {
      await app.close();
      await plain.close();
    });
    beforeEach(() => {
      warnings.length = 0;
      plainWarnings.length = 0;
      debugLines.length = 0;
    });

    describe('start-up', () => {
      // The framework's own instance takes the options (Fastify through its real register).
      test('a misspelt option fails at start-up, naming the nearest valid key', async () => {
        await assert.rejects(factory({ trustedProxies: [PROXY], allowedHost: [HOST] } as never), {
          name: 'TypeError',
          message: 'proxytrust: unknown option "allowedHost"; did you mean "allowedHosts"?',
        });
      });
      test('a misspelt nested option fails too', async () => {
        await assert.rejects(
          factory({ allowedHosts: [HOST], httpsRedirect: { exmept: ['/healthz'] } } as never),
          {
            name: 'TypeError',
            message:
              'proxytrust: unknown option "httpsRedirect.exmept"; did you mean "httpsRedirect.exempt"?',
          },
        );
        await assert.rejects(factory({ hsts: { maxage: 60 } } as never), /"hsts\.maxAge"/);
        await assert.rejects(
          factory({ csrf: { trustedOrigin: [] } } as never),
          /"csrf\.trustedOrigins"/,
        );
      });
    });

    describe('the resolved view', () => {
      test('a trusted proxy: scheme, host, client IP and absolute URLs follow the view, and the framework agrees', async () => {
        const s = json(await send({ target: '/view', headers: secureFromProxy() }));
        assert.equal(s.view.scheme, 'https');
        assert.equal(s.view.secure, true);
        assert.equal(s.view.host, HOST);
        assert.equal(s.view.clientIp, '203.0.113.7');
        assert.equal(s.url, `https://${HOST}/next?x=1`);
      });
      test('X-Forwarded-Host and -Prefix from the trusted proxy shape absolute URLs', async () => {
        const s = json(
          await send({
            target: '/view',
            headers: [
              ['Host', 'backend:8080'],
              ['X-Forwarded-Host', 'shop.example.org'],
              ['X-Forwarded-Proto', 'https'],
              ['X-Forwarded-Prefix', '/app'],
            ],
          }),
        );
        assert.equal(s.view.host, 'shop.example.org');
        assert.equal(s.url, 'https://shop.example.org/app/next?x=1');
      });
      test('RFC 7239 Forwarded is believed from the trusted proxy', async () => {
        const s = json(
          await send({
            target: '/view',
            headers: [
              ['Host', HOST],
              ['Forwarded', 'for="[2001:db8::7]:4711";proto=https;host=app.example.com'],
            ],
          }),
        );
        assert.equal(s.view.scheme, 'https');
        assert.equal(s.view.clientIp, '2001:db8::7');
      });
      test('an untrusted peer: forwarded headers change nothing and are reported', async () => {
        const s = json(
          await send({
            from: CLIENT,
            target: '/healthz',
            headers: [
              ['Host', HOST],
              ['X-Forwarded-Proto', 'https'],
              ['X-Forwarded-For', '1.2.3.4'],
              ['X-Forwarded-Host', 'evil.example'],
            ],
          }),
        );
        assert.deepEqual(
          [s.view.scheme, s.view.host, s.view.clientIp, s.view.peerTrusted],
          ['http', HOST, CLIENT, false],
        );
        assert.ok(codes().includes(WarningCodes.UNTRUSTED_FORWARDED));
      });
      test('debug mode logs scheme, host, client IP and the forwarded headers as received', async () => {
        await send({ target: '/view', headers: secureFromProxy() });
        const line = debugLines.find((l) => l.includes('/view'));
        assert.ok(line, `no debug line in ${JSON.stringify(debugLines)}`);
        assert.match(line, /scheme=https/);
        assert.match(line, /host=app\.example\.com/);
        assert.match(line, /client=203\.0\.113\.7/);
        assert.match(line, /x-forwarded-proto="https"/);
      });
    });

    describe('allowed hosts', () => {
      test('a Host outside allowedHosts gets a short plain 400 that never echoes it, reported', async () => {
        const r = await send({
          target: '/view',
          headers: secureFromProxy()
            .slice(1)
            .concat([['Host', 'evil.example']]),
        });
        assert.equal(r.status, 400);
        assert.match(r.header('content-type') ?? '', /^text\/plain/);
        assert.ok(r.body.length < 100);
        assert.ok(!r.body.includes('evil'));
        assert.ok(codes().includes(WarningCodes.HOST_NOT_ALLOWED));
      });
      test('leading-dot patterns: subdomains and the domain pass, look-alikes do not', async () => {
        for (const [host, status] of [
          ['a.example.org', 200],
          ['example.org', 200],
          ['evilexample.org', 400],
          ['example.org.evil.example', 400],
        ] as const) {
          const r = await send({
            target: '/view',
            headers: secureFromProxy()
              .slice(1)
              .concat([['Host', host]]),
          });
          assert.equal(r.status, status, host);
        }
      });
      test('X-Forwarded-Host from the trusted proxy is validated like Host', async () => {
        const r = await send({
          target: '/view',
          headers: secureFromProxy([['X-Forwarded-Host', 'evil.example']]),
        });
        assert.equal(r.status, 400);
        assert.ok(!r.body.includes('evil'));
      });
      test('an invalid X-Forwarded-Host from the trusted proxy is a 400, not a fall back to Host', async () => {
        const r = await send({
          target: '/view',
          headers: secureFromProxy([['X-Forwarded-Host', 'bad host..example']]),
        });
        assert.equal(r.status, 400);
        assert.ok(codes().includes(WarningCodes.INVALID_HOST));
      });
      test('X-Forwarded-Host from an untrusted peer is ignored: the Host header decides', async () => {
        const s = json(
          await send({
            from: CLIENT,
            target: '/healthz',
            headers: [
              ['Host', HOST],
              ['X-Forwarded-Host', 'evil.example'],
            ],
          }),
        );
        assert.equal(s.view.host, HOST);
      });
      test('bad Host syntax is a clean 400', async () => {
        for (const host of [
          'a..b',
          'exa_mple.com',
          '[::1',
          'app.example.com:99999',
          'user@app.example.com',
          '',
        ]) {
          const r = await send({ target: '/view', headers: [['Host', host]] });
          assert.equal(r.status, 400, JSON.stringify(host));
        }
      });
      test('several Host lines are refused as ambiguous, even without allowedHosts', async () => {
        for (const port of [app.port, plain.port]) {
          const r = await rawRequest(port, {
            target: '/healthz',
            headers: [
              ['Host', HOST],
              ['Host', 'evil.example'],
            ],
          });
          assert.equal(r.status, 400);
          assert.ok(!r.body.includes('evil'));
        }
      });
      test('HTTP/1.0 without Host: 400 with allowedHosts, served without', async () => {
        assert.equal((await send({ target: '/healthz', version: '1.0' })).status, 400);
        const r = await rawRequest(plain.port, { target: '/healthz', version: '1.0' });
        assert.equal(r.status, 200);
      });
      test('a redirect never points at a host outside the list: the 400 comes first', async () => {
        const r = await send({ target: '/view', headers: [['Host', 'evil.example']] });
        assert.equal(r.status, 400);
        assert.equal(r.header('location'), undefined);
      });
    });

    describe('absolute-form request targets', () => {
      test('another authority than the Host header is a 400, reported', async () => {
        const r = await send({ target: 'http://evil.example/view', headers: secureFromProxy() });
        assert.equal(r.status, 400);
        assert.ok(!r.body.includes('evil'));
        assert.ok(codes().includes(HttpWarningCodes.TARGET_HOST_REFUSED));
      });
      test('the same authority as Host is accepted and the app sees the path', async () => {
        const s = json(
          await send({ target: `http://${HOST}/view?y=2`, headers: secureFromProxy() }),
        );
        assert.equal(s.view.host, HOST);
        assert.match(s.path, /^\/view/);
      });
      test('a different port, userinfo, or a non-http scheme is a 400', async () => {
        for (const target of [
          `http://${HOST}:81/view`,
          `http://user@${HOST}/view`,
          `ftp://${HOST}/view`,
          'view',
        ]) {
          const r = await send({ target, headers: secureFromProxy() });
          assert.equal(r.status, 400, target);
        }
      });
      test('an absolute-form host outside allowedHosts is a 400 even when Host agrees', async () => {
        const r = await send({
          target: 'http://evil.example/view',
          headers: [
            ['Host', 'evil.example'],
            ['X-Forwarded-Host', HOST],
            ['X-Forwarded-Proto', 'https'],
          ],
        });
        assert.equal(r.status, 400);
      });
    });

    describe('the probe', () => {
      const probe = (headers: Headers, target = DEFAULT_PROBE_PATH): RawRequest => ({
        target,
        headers,
      });
      test('a signed probe answers with the view, the raw forwarded lines and the warnings', async () => {
        const r = await send(
          probe([
            ['Host', HOST],
            ['X-Forwarded-For', '198.51.100.1, 203.0.113.7'],
            ['X-Forwarded-Proto', 'https'],
            ['X-Forwarded-Proto', 'https'],
            [PROBE_HEADER, signProbe(SECRET, DEFAULT_PROBE_PATH)],
          ]),
        );
        assert.equal(r.status, 200);
        assert.match(r.header('content-type') ?? '', /^application\/json/);
        const body = JSON.parse(r.body);
        assert.equal(body.version, 1);
        assert.equal(body.view.scheme, 'https');
        assert.equal(body.view.host, HOST);
        assert.ok(Array.isArray(body.view.hops));
        assert.deepEqual(body.forwarded['x-forwarded-proto'], ['https', 'https']);
        assert.deepEqual(body.forwarded.host, [HOST]);
        assert.deepEqual(body.forwarded['x-forwarded-for'], ['198.51.100.1, 203.0.113.7']);
        assert.ok(body.warnings.some((w: { code: string }) => w.code === 'DUPLICATE_HEADER_LINES'));
      });
      test('the probe resolves itself like any request: spoofed headers from an untrusted peer are not believed', async () => {
        const r = await send({
          from: CLIENT,
          ...probe([
            ['Host', HOST],
            ['X-Forwarded-Proto', 'https'],
            ['X-Forwarded-For', '6.6.6.6'],
            [PROBE_HEADER, signProbe(SECRET, DEFAULT_PROBE_PATH)],
          ]),
        });
        const body = JSON.parse(r.body);
        assert.equal(body.view.scheme, 'http');
        assert.equal(body.view.clientIp, CLIENT);
        assert.ok(body.warnings.some((w: { code: string }) => w.code === 'UNTRUSTED_FORWARDED'));
      });
      test('a probe over http is answered, not redirected', async () => {
        const r = await send(
          probe([
            ['Host', HOST],
            [PROBE_HEADER, signProbe(SECRET, DEFAULT_PROBE_PATH)],
          ]),
        );
        assert.equal(r.status, 200);
        assert.equal(JSON.parse(r.body).view.scheme, 'http');
      });
      test('a path prefix stripped by the proxy is part of what was signed', async () => {
        const r = await send(
          probe([
            ['Host', HOST],
            ['X-Forwarded-Prefix', '/app'],
            [PROBE_HEADER, signProbe(SECRET, `/app${DEFAULT_PROBE_PATH}`)],
          ]),
        );
        assert.equal(r.status, 200);
      });
      test('unauthenticated probes get exactly what an unknown path gets', async () => {
        // With no probe header at all the path is simply unknown to the app.
        const unknown = await send(probe(secureFromProxy()));
        assert.equal(unknown.status, 404);
        const old = signProbe(SECRET, DEFAULT_PROBE_PATH, Date.now() - 120_000);
        for (const headers of [
          secureFromProxy([[PROBE_HEADER, 'garbage']]),
          secureFromProxy([
            [PROBE_HEADER, signProbe('another-secret-0123456789', DEFAULT_PROBE_PATH)],
          ]),
          secureFromProxy([[PROBE_HEADER, old]]),
          secureFromProxy([[PROBE_HEADER, signProbe(SECRET, '/other')]]),
        ]) {
          const r = await send(probe(headers));
          assert.equal(r.status, unknown.status);
          assert.equal(r.body, unknown.body);
        }
        const post = await send({
          method: 'POST',
          target: DEFAULT_PROBE_PATH,
          headers: secureFromProxy([
            ['Origin', `https://${HOST}`],
            [PROBE_HEADER, signProbe(SECRET, DEFAULT_PROBE_PATH)],
          ]),
        });
        assert.equal(post.status, unknown.status);
      });
      test('without a probe secret the path is unknown', async () => {
        const r = await rawRequest(plain.port, {
          target: DEFAULT_PROBE_PATH,
          headers: [
            ['Host', HOST],
            [PROBE_HEADER, signProbe(SECRET, DEFAULT_PROBE_PATH)],
          ],
        });
        assert.equal(r.status, 404);
      });
    });

    describe('https redirect', () => {
      test('GET and HEAD get 301 to the same host, path and query', async () => {
        for (const method of ['GET', 'HEAD']) {
          const r = await send({ method, target: '/view?x=1&y=%20', headers: [['Host', HOST]] });
          assert.equal(r.status, 301, method);
          assert.equal(r.header('location'), `https://${HOST}/view?x=1&y=%20`);
        }
      });
      test('other methods get 307, so method and body survive', async () => {
        for (const method of ['POST', 'PUT', 'DELETE']) {
          const r = await send({
            method,
            target: '/submit',
            headers: [['Host', HOST]],
            body: 'a=1',
          });
          assert.equal(r.status, 307, method);
          assert.equal(r.header('location'), `https://${HOST}/submit`);
        }
      });
      test('the http port is dropped, the resolved host and the prefix are kept', async () => {
        let r = await send({ target: '/view', headers: [['Host', `${HOST}:8080`]] });
        assert.equal(r.header('location'), `https://${HOST}/view`);
        r = await send({
          target: '/view',
          headers: [
            ['Host', 'backend'],
            ['X-Forwarded-Host', 'shop.example.org'],
            ['X-Forwarded-Prefix', '/app'],
          ],
        });
        assert.equal(r.header('location'), 'https://shop.example.org/app/view');
      });
      test('exemptions: exact path, prefix and RegExp are served over http', async () => {
        for (const target of ['/healthz', '/internal/view', '/status', '/healthz?probe=1']) {
          const r = await send({ target, headers: [['Host', HOST]] });
          assert.equal(r.status, 200, target);
        }
        assert.equal((await send({ target: '/healthz/x', headers: [['Host', HOST]] })).status, 301);
      });
      test('loop guard: a request the view says is secure is never redirected', async () => {
        const s = json(await send({ target: '/view', headers: secureFromProxy() }));
        assert.equal(s.view.secure, true);
        const viaForwarded = await send({
          target: '/view',
          headers: [
            ['Host', HOST],
            ['Forwarded', 'proto=https'],
          ],
        });
        assert.equal(viaForwarded.status, 200);
      });
      test('a trusted proxy that sends no scheme: one warning naming the fix, rate-limited', async () => {
        await send({ target: '/view', headers: [['Host', HOST]] });
        await send({ target: '/view', headers: [['Host', HOST]] });
        const diag = warnings.filter((w) => w.code === HttpWarningCodes.REDIRECT_NO_SCHEME);
        // The first of the whole suite may have been spent earlier; at most one per minute.
        assert.ok(diag.length <= 1);
        const fresh = await factory({ ...full, onWarning: (w) => warnings.push(w) });
        try {
          warnings.length = 0;
          for (let i = 0; i < 3; i++) {
            await rawRequest(fresh.port, { target: '/view', headers: [['Host', HOST]] });
          }
          const once = warnings.filter((w) => w.code === HttpWarningCodes.REDIRECT_NO_SCHEME);
          assert.equal(once.length, 1);
          assert.match(once[0]!.message, /X-Forwarded-Proto/);
          assert.match(once[0]!.message, /proxy_set_header X-Forwarded-Proto \$scheme/);
        } finally {
          await fresh.close();
        }
      });
      test('a scheme header from an untrusted peer: the warning names trustedProxies', async () => {
        const fresh = await factory({ ...full, onWarning: (w) => warnings.push(w) });
        try {
          warnings.length = 0;
          const r = await rawRequest(fresh.port, {
            from: CLIENT,
            target: '/view',
            headers: [
              ['Host', HOST],
              ['X-Forwarded-Proto', 'https'],
            ],
          });
          assert.equal(r.status, 301);
          const w = warnings.find((x) => x.code === HttpWarningCodes.REDIRECT_UNTRUSTED_SCHEME);
          assert.ok(w);
          assert.match(w.message, /trustedProxies/);
          assert.match(w.message, /127\.0\.0\.2/);
        } finally {
          await fresh.close();
        }
      });
    });

    describe('HSTS', () => {
      test('secure responses carry it once', async () => {
        const r = await send({ target: '/view', headers: secureFromProxy() });
        assert.deepEqual(r.all('strict-transport-security'), [HSTS]);
      });
      test('http responses never carry it', async () => {
        const r = await send({ target: '/healthz', headers: [['Host', HOST]] });
        assert.equal(r.status, 200);
        assert.deepEqual(r.all('strict-transport-security'), []);
      });
      test("the app's own header wins and is never doubled", async () => {
        const r = await send({ target: '/own-hsts', headers: secureFromProxy() });
        assert.deepEqual(r.all('strict-transport-security'), [OWN_HSTS]);
      });
      test('off unless asked', async () => {
        const r = await rawRequest(plain.port, { target: '/view', headers: secureFromProxy() });
        assert.deepEqual(r.all('strict-transport-security'), []);
      });
    });

    describe('cookies', () => {
      test('secure responses: every cookie gets Secure, once', async () => {
        const r = await send({ target: '/cookies', headers: secureFromProxy() });
        const lines = r.all('set-cookie');
        assert.equal(lines.length, COOKIES.length);
        for (const line of lines) {
          assert.equal((line.match(/;\s*secure/gi) ?? []).length, 1, line);
        }
      });
      test('http responses: cookies untouched, Secure and session cookies warned', async () => {
        const r = await send({ target: '/internal/cookies', headers: [['Host', HOST]] });
        const lines = r.all('set-cookie');
        assert.ok(lines.some((l) => /^sessionid=abc/.test(l) && !/secure/i.test(l)));
        assert.ok(lines.some((l) => /^pref=1/.test(l) && !/secure/i.test(l)));
        const fresh = await factory({ ...full, onWarning: (w) => warnings.push(w) });
        try {
          warnings.length = 0;
          await rawRequest(fresh.port, { target: '/internal/cookies', headers: [['Host', HOST]] });
          assert.ok(codes().includes(HttpWarningCodes.SECURE_COOKIE_ON_HTTP));
          assert.ok(codes().includes(HttpWarningCodes.SESSION_COOKIE_INSECURE));
          const session = warnings.find((w) => w.code === HttpWarningCodes.SESSION_COOKIE_INSECURE);
          assert.equal(session?.value, 'sessionid');
        } finally {
          await fresh.close();
        }
      });
    });

    describe('CSRF origin check', () => {
      const post = (headers: Headers, target = '/submit', from = PROXY): Promise<RawResponse> =>
        send({ method: 'POST', target, headers, body: 'a=1', from });
      test('the resolved origin passes behind a TLS proxy (the Django 4 proxy bug)', async () => {
        const r = await post(secureFromProxy([['Origin', `https://${HOST}`]]));
        assert.equal(r.status, 200);
        assert.equal(r.body, 'ok');
      });
      test('a foreign Origin gets 403 with a clear reason, reported', async () => {
        const r = await post(secureFromProxy([['Origin', 'https://evil.example']]));
        assert.equal(r.status, 403);
        assert.match(r.body, /CSRF/);
        assert.match(r.body, /Origin/);
        assert.ok(codes().includes(HttpWarningCodes.CSRF_REFUSED));
      });
      test('the wrong scheme or port, and "null", are foreign', async () => {
        for (const origin of [`http://${HOST}`, `https://${HOST}:8443`, 'null', 'garbage']) {
          const r = await post(secureFromProxy([['Origin', origin]]));
          assert.equal(r.status, 403, origin);
        }
      });
      test('trusted origins pass', async () => {
        const r = await post(secureFromProxy([['Origin', 'https://admin.example.com']]));
        assert.equal(r.status, 200);
      });
      test('secure without Origin: the Referer must be https and same-origin (or trusted)', async () => {
        assert.equal((await post(secureFromProxy())).status, 403);
        assert.equal(
          (await post(secureFromProxy([['Referer', `https://${HOST}/form?a=1`]]))).status,
          200,
        );
        assert.equal(
          (await post(secureFromProxy([['Referer', 'https://admin.example.com/x']]))).status,
          200,
        );
        const insecure = await post(secureFromProxy([['Referer', `http://${HOST}/form`]]));
        assert.equal(insecure.status, 403);
        assert.match(insecure.body, /not https/);
        assert.equal(
          (await post(secureFromProxy([['Referer', 'https://evil.example/']]))).status,
          403,
        );
        assert.equal((await post(secureFromProxy([['Referer', 'not a url']]))).status, 403);
      });
      test('http without Origin passes (no Referer check); with Origin it must match http://host', async () => {
        const h: Headers = [['Host', HOST]];
        assert.equal((await post(h, '/internal/submit')).status, 200);
        assert.equal(
          (await post([...h, ['Origin', `http://${HOST}`]], '/internal/submit')).status,
          200,
        );
        assert.equal(
          (await post([...h, ['Origin', `https://${HOST}`]], '/internal/submit')).status,
          403,
        );
      });
      test('safe methods are never checked', async () => {
        const r = await send({
          target: '/view',
          headers: secureFromProxy([['Origin', 'https://evil.example']]),
        });
        assert.equal(r.status, 200);
      });
      test('exempt paths skip the check', async () => {
        const r = await post(secureFromProxy([['Origin', 'https://evil.example']]), '/webhook');
        assert.equal(r.status, 200);
      });
      if (features.perRouteCsrf) {
        test('a route can turn the check off in its own config', async () => {
          const r = await post(secureFromProxy([['Origin', 'https://evil.example']]), '/nocsrf');
          assert.equal(r.status, 200);
          const checked = await post(secureFromProxy([['Origin', 'https://evil.example']]));
          assert.equal(checked.status, 403);
        });
      }
      test('a spoofed X-Forwarded-Proto from an untrusted peer cannot make https origins pass', async () => {
        const r = await post(
          [
            ['Host', HOST],
            ['X-Forwarded-Proto', 'https'],
            ['Origin', `https://${HOST}`],
          ],
          '/internal/submit',
          CLIENT,
        );
        assert.equal(r.status, 403);
      });
    });

    describe('hostile input', () => {
      const alive = async (): Promise<void> => {
        const r = await send({ target: '/view', headers: secureFromProxy() });
        assert.equal(r.status, 200);
      };
      test('Connection naming forwarded headers: reported, and the answer is safe', async () => {
        const r = await send({
          target: '/view',
          headers: secureFromProxy([['Connection', 'X-Forwarded-For, X-Forwarded-Proto']]),
        });
        assert.ok([200, 400].includes(r.status));
        assert.ok(codes().includes(WarningCodes.CONNECTION_NAMES_FORWARDED));
        await alive();
      });
      test("a forged X-Forwarded-For that pushed the proxy's line past Node's header cap is not believed, and warned", async () => {
        const r = await send({
          target: '/healthz',
          headers: behindJunk(
            [
              ['Host', HOST],
              ['X-Forwarded-For', '6.6.6.6'],
              ['X-Forwarded-Proto', 'https'],
            ],
            1100,
            [
              ['X-Forwarded-For', '203.0.113.50'],
              ['X-Forwarded-Proto', 'http'],
            ],
          ),
        });
        const s = json(r);
        assert.notEqual(s.view.clientIp, '6.6.6.6');
        assert.equal(s.view.scheme, 'http');
        assert.ok(codes().includes('HEADERS_TRUNCATED'), codes().join());
      });
      test('an enormous forwarded list is bounded: the walk stops, the request is served', async () => {
        const list = Array.from({ length: 1000 }, () => '127.0.0.1').join(', ');
        const r = await send({
          target: '/view',
          headers: secureFromProxy().map(([k, v]): [string, string] =>
            k === 'X-Forwarded-For' ? [k, `203.0.113.7, ${list}`] : [k, v],
          ),
        });
        assert.equal(r.status, 200);
        assert.ok(codes().includes(WarningCodes.LIMIT_EXCEEDED));
        const forwarded = Array.from({ length: 800 }, () => 'for=127.0.0.1').join(', ');
        const f = await send({
          target: '/view',
          headers: [
            ['Host', HOST],
            ['Forwarded', forwarded],
          ],
        });
        assert.ok([200, 301].includes(f.status));
        await alive();
      });
      test('headers beyond the server limit get a clean 431, and the server lives on', async () => {
        const huge = 'a'.repeat(40_000);
        const r = await send({
          target: '/view',
          headers: secureFromProxy([['X-Forwarded-For', huge]]),
        });
        assert.equal(r.status, 431);
        await alive();
      });
      test('garbage in every forwarded header from the trusted proxy: 200 or 400, never a crash', async () => {
        for (const value of [
          '',
          ',,,',
          '"',
          'for=;;;',
          '[::1',
          'https, http',
          'unknown',
          '\u00ff\u00fe',
        ]) {
          const headers: Headers = [['Host', HOST]];
          for (const name of Object.values(FAMILY_HEADERS).flat()) headers.push([name, value]);
          const r = await send({ target: '/internal/view', headers });
          assert.ok([200, 400].includes(r.status), `${JSON.stringify(value)}: ${r.status}`);
        }
        await alive();
      });
    });

    describe('properties', () => {
      const names = Object.values(FAMILY_HEADERS).flat();
      const token = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/);
      test('forwarded headers from an untrusted peer never change what the app sees', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.constantFrom(...names), token), { minLength: 1, maxLength: 6 }),
            async (pairs) => {
              const r = await send({
                from: CLIENT,
                target: '/internal/view',
                headers: [
                  ['Host', HOST],
                  ...pairs.map(([k, v]): [string, string] => [k, v.trim() || 'x']),
                ],
              });
              const s = json(r);
              assert.deepEqual(
                [s.view.scheme, s.view.host, s.view.clientIp, s.view.peerTrusted, s.view.prefix],
                ['http', HOST, CLIENT, false, undefined],
              );
              assert.equal(s.url, `http://${HOST}/next?x=1`);
            },
          ),
          { numRuns: 40 },
        );
      });
      test('arbitrary Host and forwarded values from the trusted proxy: 200 with an allowed host, or 400', async () => {
        await fc.assert(
          fc.asyncProperty(
            token,
            fc.array(fc.tuple(fc.constantFrom(...names), token), { maxLength: 5 }),
            async (host, pairs) => {
              const r = await send({
                target: '/internal/view',
                headers: [
                  ['Host', host.trim() || 'x'],
                  ...pairs.map(([k, v]): [string, string] => [k, v.trim() || 'x']),
                ],
              });
              assert.ok([200, 400].includes(r.status), `${r.status} ${r.body.slice(0, 200)}`);
              if (r.status === 200) {
                const s = json(r);
                assert.ok(
                  s.view.hostname === 'app.example.com' || s.view.hostname!.endsWith('example.org'),
                  String(s.view.hostname),
                );
              } else {
                assert.ok(!r.body.includes(host.trim()) || host.trim().length < 4);
              }
            },
          ),
          { numRuns: 40 },
        );
      });
    });
  });
}
