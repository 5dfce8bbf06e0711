/**
 * The browser-like session (one cookie jar, CSRF tokens read as frameworks issue them) and
 * verdicts that rest on evidence telling the explanations apart: a real Express app with
 * csrf-csrf and cookie-parser, servers that refuse forged scheme headers, and the jar's
 * RFC 6265 rules.
 */
import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express from 'express';
import fc from 'fast-check';
import { findCsrfToken } from '../../src/audit/checks/csrf-origin.js';
import { CookieJar } from '../../src/audit/cookie-jar.js';
import { audit } from '../../src/audit/run.js';
import type { CheckResult } from '../../src/audit/types.js';
import { proxytrust } from '../../src/node/index.js';
import { serve, type Target } from './servers.js';

async function one(
  target: Target,
  id: CheckResult['id'],
  extra: object = {},
): Promise<CheckResult> {
  try {
    const report = await audit({ ...target.options, only: [id], ...extra });
    return report.targets[0]!.results[0]!;
  } finally {
    await target.stop();
  }
}

/** An Express app with csrf-csrf (double submit) and, unless `originCheck` is false, proxytrust's origin check. */
function expressApp(originCheck: boolean): RequestListener {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => 'audit-test-csrf-secret-0123456789',
    getSessionIdentifier: () => 'audit',
  });
  const app = express();
  app.use(cookieParser());
  if (originCheck) app.use(proxytrust({ allowedHosts: ['app.test'], csrf: true }));
  app.get('/form', (req, res) => {
    const token = generateCsrfToken(req, res);
    res.send(`<form method="post"><input type="hidden" name="_csrf" value="${token}"></form>`);
  });
  app.get('/empty', (_req, res) => {
    res.send('<p>no cookie, no token</p>');
  });
  app.post(['/form', '/empty'], doubleCsrfProtection, (_req, res) => {
    res.send('accepted');
  });
  app.use(
    (err: { statusCode?: number }, _req: express.Request, res: express.Response, _n: unknown) => {
      res.status(err.statusCode ?? 500).send('Forbidden');
    },
  );
  return app as unknown as RequestListener;
}

describe('csrf-origin in a browser-like session', () => {
  test('csrf-csrf plus an origin check: own origin passes with the token, a foreign one gets 403', async () => {
    const r = await one(await serve(expressApp(true)), 'csrf-origin', { csrfPath: '/form' });
    assert.equal(r.status, 'pass', r.summary);
    assert.match(JSON.stringify(r.evidence), /form field _csrf/);
    assert.equal(r.basis, 'outside');
  });

  test('the token comes from --cookie-path through the shared jar when --csrf-path sets none', async () => {
    const r = await one(await serve(expressApp(true)), 'csrf-origin', {
      csrfPath: '/empty',
      cookiePath: '/form',
    });
    assert.equal(r.status, 'pass', r.summary);
    assert.match(JSON.stringify(r.evidence), /cookie __Host-psifi\.x-csrf-token/);
  });

  test('without --cookie-path the same endpoint has no token: a warn saying where to point the audit, never a fail', async () => {
    const r = await one(await serve(expressApp(true)), 'csrf-origin', { csrfPath: '/empty' });
    assert.equal(r.status, 'warn', r.summary);
    assert.match(r.fix ?? '', /--cookie-path/);
  });

  test('csrf-csrf alone: a foreign origin with a valid token is accepted, a failure of the origin check', async () => {
    const r = await one(await serve(expressApp(false)), 'csrf-origin', { csrfPath: '/form' });
    assert.equal(r.status, 'fail', r.summary);
    assert.match(r.summary, /foreign origin with a valid CSRF token is accepted/);
  });

  test("the refusal page's text is not evidence: 'origin' in a 403 page without a token is a warn", async () => {
    const handler: RequestListener = (req, res) => {
      req.resume();
      if (req.method === 'POST') {
        res.writeHead(403, { 'content-type': 'text/html' });
        res.end('<p>CSRF cookie not set. Make sure same-origin requests carry the cookie.</p>');
        return;
      }
      res.end('<p>hello</p>');
    };
    const r = await one(await serve(handler), 'csrf-origin', { csrfPath: '/submit' });
    assert.equal(r.status, 'warn', r.summary);
  });

  test('a valid token refused from the own origin is a failure: the app does not accept its own origin', async () => {
    const handler: RequestListener = (req, res) => {
      req.resume();
      if (req.method === 'POST') {
        res.writeHead(403);
        res.end('Forbidden');
        return;
      }
      res.writeHead(200, { 'set-cookie': 'csrftoken=abc123; Secure; SameSite=Lax; Path=/' });
      res.end('<p>form</p>');
    };
    const r = await one(await serve(handler), 'csrf-origin', { csrfPath: '/submit' });
    assert.equal(r.status, 'fail', r.summary);
    assert.match(r.summary, /does not accept its own origin/);
  });

  test("a probe's reported token failure turns the same 403 into a warn", async () => {
    const handler: RequestListener = (req, res) => {
      req.resume();
      if (req.method === 'POST') {
        const headers: Record<string, string> = {};
        if (req.headers['x-proxytrust-probe']) {
          headers['X-Proxytrust-Csrf-Reason'] = 'CSRF token missing or incorrect.';
        }
        res.writeHead(403, headers);
        res.end('Forbidden');
        return;
      }
      res.writeHead(200, { 'set-cookie': 'csrftoken=abc123; Secure; SameSite=Lax; Path=/' });
      res.end('<p>form</p>');
    };
    const r = await one(await serve(handler), 'csrf-origin', {
      csrfPath: '/submit',
      probeSecret: 'test-probe-secret-0123456789',
    });
    assert.equal(r.status, 'warn', r.summary);
    assert.equal(r.basis, 'probe+outside');
  });
});

/** https answers 200 with HSTS, http redirects; `refuse(headers)` answers 400 instead. */
function schemeJudge(
  refuse: (h: Record<string, string | string[] | undefined>) => boolean,
  believeHttpsOverHttp = false,
): RequestListener {
  return (req, res) => {
    const tls = (req.socket as TLSSocket).encrypted === true;
    if (refuse(req.headers)) {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end('<h1>Bad Request</h1>Contradictory scheme headers');
      return;
    }
    const https = tls || (believeHttpsOverHttp && req.headers['x-forwarded-proto'] === 'https');
    if (!https) {
      res.writeHead(301, { location: `https://${req.headers.host}${req.url}` });
      res.end();
      return;
    }
    res.writeHead(200, { 'strict-transport-security': 'max-age=31536000' });
    res.end('<a href="/next">next</a>');
  };
}

describe('proto-spoof: a refusal is not belief', () => {
  test("gunicorn-like 400 on a client's X-Forwarded-Ssl: warn naming the header, not fail", async () => {
    const r = await one(
      await serve(schemeJudge((h) => h['x-forwarded-ssl'] !== undefined)),
      'proto-spoof',
    );
    assert.equal(r.status, 'warn', r.summary);
    assert.match(r.summary, /X-Forwarded-Ssl/);
    assert.match(r.fix ?? '', /proxy_set_header X-Forwarded-Ssl "";/);
  });

  test('headers refused only together still name the refusal; believed alone still fails', async () => {
    const both = (h: Record<string, unknown>) =>
      h['x-forwarded-proto'] !== undefined && h['x-forwarded-protocol'] !== undefined;
    const warned = await one(await serve(schemeJudge(both)), 'proto-spoof');
    assert.equal(warned.status, 'warn', warned.summary);
    const failed = await one(await serve(schemeJudge(both, true)), 'proto-spoof');
    assert.equal(failed.status, 'fail', failed.summary);
    assert.match(failed.summary, /X-Forwarded-Proto: https over http/);
  });

  test('no refusal, no belief: pass', async () => {
    const r = await one(await serve(schemeJudge(() => false)), 'proto-spoof');
    assert.equal(r.status, 'pass', r.summary);
  });
});

describe('the cookie jar (RFC 6265 basics)', () => {
  const https = new URL('https://app.test/a/b');
  const http = new URL('http://app.test/a/b');

  test('host-only, Domain, Path, Secure and expiry', () => {
    const jar = new CookieJar();
    jar.store(https, 'a=1; Path=/; Secure');
    jar.store(https, 'b=2');
    jar.store(https, 'c=3; Domain=.app.test; Path=/');
    jar.store(https, 'd=4; Domain=other.test');
    jar.store(https, 'e=5; Max-Age=0');
    jar.store(http, 'f=6; Secure');
    assert.equal(jar.header(new URL('https://app.test/a/x')), 'b=2; a=1; c=3');
    assert.equal(jar.header(new URL('http://app.test/')), 'c=3');
    assert.equal(jar.header(new URL('https://sub.app.test/')), 'c=3');
    jar.store(https, 'c=; Domain=app.test; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    assert.equal(jar.header(new URL('https://sub.app.test/')), undefined);
    jar.store(https, 'g=7; Max-Age=1', 0);
    assert.ok(!jar.matching(https).some((c) => c.name === 'g'));
  });

  test('__Host- and __Secure- prefixes', () => {
    const jar = new CookieJar();
    assert.ok('ignored' in jar.store(https, '__Host-x=1; Secure; Path=/a'));
    assert.ok('ignored' in jar.store(https, '__Secure-y=1'));
    assert.ok(!('ignored' in jar.store(https, '__Host-z=1; Secure; Path=/')));
  });

  test('property: any Set-Cookie line is stored or ignored, never thrown on', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => {
        const jar = new CookieJar();
        jar.store(https, line);
        const h = jar.header(https);
        assert.ok(h === undefined || !/[\r\n]/.test(h) || /[\r\n]/.test(line));
      }),
    );
  });
});

describe('CSRF tokens, read as frameworks issue them', () => {
  test('Django form field, meta tag, and cookies', () => {
    const django = findCsrfToken(
      '<form><input type="hidden" name="csrfmiddlewaretoken" value="t0k&amp;en"></form>',
      [{ name: 'csrftoken', value: 'cookie-token' }],
    );
    assert.deepEqual(django.field, { name: 'csrfmiddlewaretoken', value: 't0k&en' });
    assert.equal(django.header, 't0k&en');
    const meta = findCsrfToken("<meta content='m1' name='csrf-token'>", []);
    assert.equal(meta.header, 'm1');
    const cookieOnly = findCsrfToken('<p>x</p>', [
      { name: 'sessionid', value: 's' },
      { name: 'csrftoken', value: 'c1' },
    ]);
    assert.equal(cookieOnly.header, 'c1');
    assert.equal(cookieOnly.field, undefined);
    assert.deepEqual(findCsrfToken('<p>x</p>', []).sources, []);
  });
});
