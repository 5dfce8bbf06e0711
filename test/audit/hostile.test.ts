/**
 * The audit against hostile servers: endless and cyclic redirects, huge headers, a slow
 * drip, a bad certificate, a connection reset. It ends within its bounds with an error (or
 * fail) verdict, never a hang or a crash.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { auditTarget, makeReport } from '../../src/audit/run.js';
import { exitCodeFor, FAILURE_LABEL, type FailureKind } from '../../src/audit/types.js';
import { renderReport } from '../../src/cli/audit.js';
import { generateThrowawayCert } from '../../src/demo/cert.js';
import { CERT, close, listen, serve } from './servers.js';

const BOUND = { timeoutMs: 600 };

async function target(handler: http.RequestListener) {
  const t = await serve(handler);
  after(() => t.stop());
  return { ...t.options, ...BOUND };
}

describe('audit against hostile servers', () => {
  test('endless redirects (a new URL each time): redirect-loop fails after 10 hops', async () => {
    let n = 0;
    const opts = await target((req, res) => {
      res.writeHead(302, { Location: `/r${n++}?from=${encodeURIComponent(req.url ?? '')}` });
      res.end();
    });
    const t0 = performance.now();
    const r = await auditTarget(opts);
    const loop = r.results.find((x) => x.id === 'redirect-loop')!;
    assert.equal(loop.status, 'fail');
    assert.match(loop.summary, /more than 10 redirects/);
    assert.ok(performance.now() - t0 < 10_000);
  });

  test('cyclic redirects: redirect-loop fails and names the cycle', async () => {
    const opts = await target((req, res) => {
      res.writeHead(301, { Location: req.url === '/a' ? '/b' : '/a' });
      res.end();
    });
    const r = await auditTarget(opts);
    const loop = r.results.find((x) => x.id === 'redirect-loop')!;
    assert.equal(loop.status, 'fail');
    assert.match(loop.summary, /redirect loop .*\/a -> .*\/b -> .*\/a/);
  });

  test('a redirect off the audited host is not followed', async () => {
    const opts = await target((_req, res) => {
      res.writeHead(302, { Location: 'https://elsewhere.invalid/' });
      res.end();
    });
    const r = await auditTarget(opts);
    const loop = r.results.find((x) => x.id === 'redirect-loop')!;
    assert.equal(loop.status, 'pass');
    assert.match(loop.summary, /off the audited host, not followed/);
    assert.ok(!JSON.stringify(loop.evidence).includes('GET https://elsewhere.invalid'));
  });

  test('a redirect to another port of the same host is not fetched (https and http)', async () => {
    let hits = 0;
    const count: http.RequestListener = (_q, r) => {
      hits++;
      r.end('internal admin');
    };
    const otherTls = https.createServer({ cert: CERT.cert, key: CERT.key }, count);
    const otherPlain = createHttpServer(count);
    const tlsPort = await listen(otherTls);
    const plainPort = await listen(otherPlain);
    after(() => Promise.all([close(otherTls), close(otherPlain)]));
    const t = await serve(
      (_q, r) => {
        r.writeHead(302, { Location: `https://127.0.0.1:${tlsPort}/internal-admin` });
        r.end();
      },
      (_q, r) => {
        r.writeHead(301, { Location: `http://127.0.0.1:${plainPort}/internal-admin` });
        r.end();
      },
    );
    after(() => t.stop());
    const r = await auditTarget({
      url: `https://127.0.0.1:${t.httpsPort}/`,
      httpUrl: `http://127.0.0.1:${t.httpPort}/`,
      ca: CERT.cert,
      ...BOUND,
    });
    assert.equal(hits, 0, 'the audit fetched a URL on another port');
    const loop = r.results.find((x) => x.id === 'redirect-loop')!;
    assert.match(loop.summary, /off the audited host, not followed/);
    assert.ok(!JSON.stringify(r).includes(`GET https://127.0.0.1:${tlsPort}/internal-admin (hop`));
  });

  const rawTls = async (onSocket: (s: net.Socket) => void) => {
    const server = https.createServer({ cert: CERT.cert, key: CERT.key });
    server.on('secureConnection', (s) => {
      s.on('error', () => {});
      onSocket(s);
    });
    const port = await listen(server);
    after(() => close(server));
    return {
      url: `https://app.test:${port}/`,
      httpUrl: 'http://app.test:1/',
      rules: { resolve: [{ host: 'app.test', port, address: '127.0.0.1' }], connectTo: [] },
      ca: CERT.cert,
      ...BOUND,
    };
  };

  /**
   * No check can run: every check in error, within bounds, and the failure labelled as what
   * it is (a bad certificate, a TLS or protocol error is not "unreachable") in every format,
   * with its exit status.
   */
  const expectUnreachable = async (
    opts: Parameters<typeof auditTarget>[0],
    re: RegExp,
    kind: FailureKind,
  ) => {
    const t0 = performance.now();
    const r = await auditTarget(opts);
    assert.equal(r.reachable, false);
    assert.match(r.unreachableReason ?? '', re);
    assert.ok(r.results.length > 0 && r.results.every((x) => x.status === 'error'));
    assert.ok(performance.now() - t0 < 3000, `took ${performance.now() - t0} ms`);
    assert.equal(r.failure?.kind, kind, r.unreachableReason);
    const label = FAILURE_LABEL[kind];
    const report = makeReport([r], r.startedAt, r.durationMs);
    assert.equal(exitCodeFor(report), kind === 'unreachable' ? 3 : 1);
    const text = renderReport(report, 'text');
    assert.match(text, new RegExp(`  ${label.replace(/^target /, '').toUpperCase()}: ${label}: `));
    if (kind !== 'unreachable') assert.doesNotMatch(text, /unreachable/i);
    // the title, the http entry line and one verdict line: not a row per check
    assert.equal(text.trimEnd().split('\n').length, 3, text);
    assert.doesNotMatch(text, /ERROR {2}/);
    const json = JSON.parse(renderReport(report, 'json'));
    assert.equal(json.targets[0].failure.kind, kind);
    assert.equal(json.summary.unreachable, kind === 'unreachable' ? 1 : 0);
    assert.equal(json.summary.broken, kind === 'unreachable' ? 0 : 1);
    const junit = renderReport(report, 'junit');
    assert.match(junit, new RegExp(`<error message="${label}: [^"]*" type="${kind}">`));
    assert.match(junit, new RegExp(`<property name="failure" value="${kind}"/>`));
    const sarif = JSON.parse(renderReport(report, 'sarif'));
    for (const res of sarif.runs[0].results) {
      assert.equal(res.properties.failure, kind);
      assert.ok(res.message.text.startsWith(`${label}: `));
    }
  };

  test('huge headers: error verdicts, bounded', async () => {
    const opts = await rawTls((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\n');
        const line = `X-Huge: ${'h'.repeat(4000)}\r\n`;
        const pump = () => {
          while (!s.destroyed && s.write(line)) {}
          if (!s.destroyed) s.once('drain', pump);
        };
        pump();
      });
    });
    await expectUnreachable(opts, /exceeds \d+ bytes/, 'protocol');
  });

  test('slow drip: error verdicts within the time limit', async () => {
    const opts = await rawTls((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\n');
        const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('X: y\r\n')), 40);
        s.on('close', () => clearInterval(t));
      });
    });
    await expectUnreachable(opts, /time limit|within/, 'unreachable');
  });

  test('connection reset: error verdicts', async () => {
    const opts = await rawTls((s) => s.once('data', () => s.destroy()));
    await expectUnreachable(opts, /closed without a response|reset/, 'unreachable');
  });

  test('garbage instead of HTTP: a protocol error, not unreachable', async () => {
    const opts = await rawTls((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
    await expectUnreachable(opts, /not an HTTP\/1\.x response/, 'protocol');
  });

  test('plain http on the https port: a TLS error, not unreachable', async () => {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    const port = await listen(server);
    after(() => close(server));
    await expectUnreachable({ url: `https://127.0.0.1:${port}/`, ...BOUND }, /TLS/, 'tls');
  });

  test('bad certificate: error verdicts naming the TLS failure', async () => {
    const bad = generateThrowawayCert(['not-app.test']);
    const server = https.createServer({ cert: bad.cert, key: bad.key }, (_q, r) => r.end());
    const port = await listen(server);
    after(() => close(server));
    await expectUnreachable(
      {
        url: `https://app.test:${port}/`,
        rules: { resolve: [{ host: 'app.test', port, address: '127.0.0.1' }], connectTo: [] },
        ca: bad.cert,
        ...BOUND,
      },
      /TLS handshake .* failed/,
      'certificate',
    );
  });

  test('TLS refused outright (plain TCP that closes): error verdicts', async () => {
    const server = net.createServer((s) => s.destroy());
    const port = await listen(server);
    after(() => close(server));
    await expectUnreachable(
      { url: `https://127.0.0.1:${port}/`, ...BOUND },
      /TLS|closed|reset/,
      'unreachable',
    );
  });

  test('a check that hits a hostile path mid-audit ends in error, the others still conclude', async () => {
    const opts = await target((req, res) => {
      if (req.url?.startsWith('/healthz')) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'Strict-Transport-Security': 'max-age=31536000' });
      res.end('ok');
    });
    const r = await auditTarget({ ...opts, health: ['/healthz'] });
    assert.equal(r.reachable, true);
    const health = r.results.find((x) => x.id === 'health-exempt')!;
    assert.equal(health.status, 'error');
    assert.equal(r.results.find((x) => x.id === 'host-header')!.status, 'fail');
  });
});
