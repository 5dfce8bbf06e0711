/**
 * Node's silent header cap (issue 18, section 6). First what Node really does, watched
 * with a real server and a raw client; then that the node layer reports a request whose
 * `rawHeaders` reached the cap, so a forged X-Forwarded-For that pushed the proxy's
 * appended line out of sight is not believed, and a warning is given. The same through
 * every adapter is in the shared behaviour suite (test/adapters/behaviour.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compilePolicy, resolve } from '../../src/core/index.js';
import { headerEntryCap, nodeHeadersTruncated } from '../../src/node/header-cap.js';
import { getView, type HttpWarning, proxytrust } from '../../src/node/index.js';
import { behindJunk, rawRequest } from '../adapters/raw-http.js';

const HOST = 'app.example.com';
const FORGED = '6.6.6.6';
const REAL = '203.0.113.50';

/** The client's forged lines, `junk` lines, then the lines its proxy appended. */
function forgedWithJunk(junk: number): [string, string][] {
  return behindJunk(
    [
      ['Host', HOST],
      ['X-Forwarded-For', FORGED],
      ['X-Forwarded-Proto', 'https'],
    ],
    junk,
    [
      ['X-Forwarded-For', REAL],
      ['X-Forwarded-Proto', 'http'],
    ],
  );
}

interface Seen {
  length: number;
  xff: string[];
  cap: number;
  truncated: boolean;
  rawHeaders: string[];
}

/** A bare node:http server that reports what Node kept. */
async function watch(configure?: (s: Server) => void): Promise<{
  port: number;
  close: () => Promise<void>;
}> {
  const server = createServer((req, res) => {
    const raw = req.rawHeaders;
    const xff: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() === 'x-forwarded-for') xff.push(raw[i + 1]!);
    }
    const seen: Seen = {
      length: raw.length,
      xff,
      cap: headerEntryCap(req),
      truncated: nodeHeadersTruncated(req),
      rawHeaders: raw,
    };
    res.end(JSON.stringify(seen));
  });
  configure?.(server);
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

async function seen(port: number, junk: number): Promise<Seen> {
  const r = await rawRequest(port, { headers: forgedWithJunk(junk) });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Seen;
}

describe('what Node does with more header lines than its cap (a real server, a raw client)', () => {
  test('by default it keeps about 2,000 entries (1,000 lines) and drops the rest silently', async () => {
    const s = await watch();
    try {
      const cut = await seen(s.port, 1100);
      assert.equal(cut.cap, 2000);
      assert.ok(cut.length >= 2000 && cut.length < 2100, String(cut.length)); // 2046 seen
      assert.deepEqual(cut.xff, [FORGED], "the proxy's appended line is gone");
      assert.equal(cut.truncated, true);

      // 993 junk lines: 1,000 lines in all (with the client's own Connection: close at the
      // end), the cap exactly; nothing lost, but it cannot be told apart from a cut, so it
      // counts as truncated (fail closed).
      const full = await seen(s.port, 993);
      assert.equal(full.length, 2000);
      assert.deepEqual(full.xff, [FORGED, REAL]);
      assert.equal(full.truncated, true);

      const under = await seen(s.port, 992);
      assert.equal(under.length, 1998);
      assert.deepEqual(under.xff, [FORGED, REAL]);
      assert.equal(under.truncated, false);
    } finally {
      await s.close();
    }
  });
  test('server.maxHeadersCount = N keeps 2N entries; 0 keeps everything', async () => {
    const small = await watch((s) => {
      s.maxHeadersCount = 100;
    });
    const none = await watch((s) => {
      s.maxHeadersCount = 0;
    });
    try {
      const cut = await seen(small.port, 200);
      assert.equal(cut.cap, 200);
      assert.ok(cut.length >= 200 && cut.length < 300, String(cut.length));
      assert.deepEqual(cut.xff, [FORGED]);
      assert.equal(cut.truncated, true);

      const all = await seen(none.port, 1100);
      assert.equal(all.cap, 0);
      assert.equal(all.length, 2 * (1100 + 7));
      assert.deepEqual(all.xff, [FORGED, REAL]);
      assert.equal(all.truncated, false);
    } finally {
      await small.close();
      await none.close();
    }
  });
  test('the core alone, given the cut lines without the fact, would believe the forged address', async () => {
    // This is why the node layer must tell it: the cut list looks like a clean request.
    const s = await watch();
    try {
      const cut = await seen(s.port, 1100);
      const policy = compilePolicy({ trustedProxies: ['loopback'] });
      const naive = resolve(policy, { peer: '127.0.0.1', headers: cut.rawHeaders });
      assert.equal(naive.clientIp, FORGED);
      assert.equal(naive.scheme, 'https');
    } finally {
      await s.close();
    }
  });
  test('HTTP/2 refuses a request over its header cap instead of cutting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxytrust-h2-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
        ],
        { stdio: 'ignore' },
      );
      const seenLengths: number[] = [];
      const truncated: boolean[] = [];
      const server = http2.createSecureServer(
        { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
        (req, res) => {
          seenLengths.push(req.rawHeaders.length);
          truncated.push(nodeHeadersTruncated(req as unknown as IncomingMessage));
          res.end('ok');
        },
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const client = http2.connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {
        rejectUnauthorized: false,
      });
      const send = (n: number): Promise<string> =>
        new Promise((r) => {
          const h: Record<string, string> = { ':path': '/', 'x-forwarded-for': FORGED };
          for (let i = 0; i < n; i++) h[`a${i}`] = 'x';
          const s = client.request(h);
          s.on('response', (hs) => r(String(hs[':status'])));
          s.on('error', (e: Error & { code?: string }) => r(`error ${e.code}`));
          s.end();
        });
      try {
        assert.equal(await send(50), '200');
        assert.equal(await send(200), 'error ERR_HTTP2_STREAM_ERROR');
      } finally {
        client.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      }
      assert.equal(seenLengths.length, 1, 'the refused request never reached the handler');
      assert.deepEqual(truncated, [false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the node middleware on a cut header list', () => {
  const warnings: HttpWarning[] = [];
  let port = 0;
  let server: Server;
  before(async () => {
    const guard = proxytrust({
      trustedProxies: ['loopback'],
      allowedHosts: [HOST],
      onWarning: (w) => warnings.push(w),
    });
    server = createServer(
      guard.wrap((req, res) => {
        const v = getView(req)!;
        res.end(JSON.stringify({ clientIp: v.clientIp ?? null, scheme: v.scheme }));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );

  test('a forged X-Forwarded-For behind 1,100 junk lines is not believed, and HEADERS_TRUNCATED is warned', async () => {
    warnings.length = 0;
    const r = await rawRequest(port, { headers: forgedWithJunk(1100) });
    assert.equal(r.status, 200, r.body);
    const v = JSON.parse(r.body) as { clientIp: string | null; scheme: string };
    assert.notEqual(v.clientIp, FORGED);
    assert.equal(v.scheme, 'http');
    assert.ok(
      warnings.some((w) => (w.code as string) === 'HEADERS_TRUNCATED'),
      warnings.map((w) => w.code).join(),
    );
  });
  test('the same request under the cap is believed as the proxy wrote it', async () => {
    warnings.length = 0;
    const r = await rawRequest(port, { headers: forgedWithJunk(900) });
    const v = JSON.parse(r.body) as { clientIp: string | null; scheme: string };
    assert.equal(v.clientIp, REAL);
    assert.ok(!warnings.some((w) => (w.code as string) === 'HEADERS_TRUNCATED'));
  });
});
