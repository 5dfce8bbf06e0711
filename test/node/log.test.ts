/**
 * Visible by default: warnings about requests that try to forge are logged to stderr
 * (process warnings of type ProxytrustWarning) without any configuration, one line per
 * code per interval with a count of the ones held back; `onWarning` replaces the log and
 * `logWarnings: false` turns it off. The rate limiter is tested with an injected clock,
 * the rest through a real node:http server.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WarningCodes } from '../../src/core/index.js';
import {
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
  proxytrust,
} from '../../src/node/index.js';
import { safe, WarningLog } from '../../src/node/log.js';
import { type RawRequest, rawRequest } from '../adapters/raw-http.js';

const HOST = 'app.example.com';

describe('WarningLog: one line per code per interval, with a count', () => {
  const w = (code: string, message = `about ${code}`): HttpWarning =>
    ({ code, message }) as HttpWarning;
  let clock = 0;
  let lines: [string, string][] = [];
  let log: WarningLog;
  beforeEach(() => {
    clock = 1_000_000;
    lines = [];
    log = new WarningLog(
      60_000,
      () => clock,
      (x, text) => lines.push([x.code, text]),
    );
  });
  test('the first warning of a code is written, the next within the interval held back', () => {
    assert.equal(log.add(w('A')), true);
    clock += 59_999;
    assert.equal(log.add(w('A')), false);
    assert.equal(log.add(w('A')), false);
    assert.deepEqual(lines, [['A', 'about A']]);
  });
  test('after the interval the next line counts the ones held back, then the count restarts', () => {
    log.add(w('A'));
    for (let i = 0; i < 41; i++) log.add(w('A'));
    clock += 60_000;
    assert.equal(log.add(w('A', 'again')), true);
    assert.deepEqual(lines[1], [
      'A',
      'again (41 more A warnings held back since the previous line)',
    ]);
    clock += 60_000;
    log.add(w('A', 'third'));
    assert.deepEqual(lines[2], ['A', 'third']);
  });
  test('one held back is counted in the singular', () => {
    log.add(w('A'));
    log.add(w('A'));
    clock += 60_000;
    log.add(w('A'));
    assert.match(lines[1]![1], /\(1 more A warning held back/);
  });
  test('codes are limited independently', () => {
    log.add(w('A'));
    log.add(w('B'));
    log.add(w('A'));
    log.add(w('B'));
    assert.deepEqual(
      lines.map(([c]) => c),
      ['A', 'B'],
    );
  });
  test('a context is appended, and asked for only when a line is written', () => {
    let asked = 0;
    const ctx = (): string => {
      asked++;
      return ' (peer 192.0.2.1, GET /)';
    };
    log.add(w('A'), ctx);
    log.add(w('A'), ctx);
    assert.equal(asked, 1);
    assert.deepEqual(lines, [['A', 'about A (peer 192.0.2.1, GET /)']]);
  });
  test('interval 0 writes every warning', () => {
    const every = new WarningLog(
      0,
      () => clock,
      (x, text) => lines.push([x.code, text]),
    );
    for (let i = 0; i < 3; i++) every.add(w('A'));
    assert.equal(lines.length, 3);
  });
  test('a clock that goes backwards holds back until the interval has passed again', () => {
    log.add(w('A'));
    clock -= 5_000;
    assert.equal(log.add(w('A')), false);
  });
  test('control characters from a request never reach the log line', () => {
    log.add(w('A', 'value "a\r\nProxytrustWarning [FAKE]: b\u0000\u2028"'));
    assert.equal(lines[0]![1], 'value "a\\u000d\\u000aProxytrustWarning [FAKE]: b\\u0000\\u2028"');
    assert.equal(safe('plain text, unicode é ok'), 'plain text, unicode é ok');
  });
});

/** Collects the process warnings of type ProxytrustWarning. */
function processWarnings(): { seen: (Error & { code?: string })[]; stop: () => void } {
  const seen: (Error & { code?: string })[] = [];
  const listener = (e: Error & { code?: string }): void => {
    if (e.name === 'ProxytrustWarning') seen.push(e);
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

/** process.emitWarning delivers on the next tick. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

async function serve(
  options: ProxytrustOptions<IncomingMessage>,
): Promise<{ send: (r: RawRequest) => Promise<number>; close: () => Promise<void> }> {
  const mw = proxytrust(options);
  const server = createServer(
    mw.wrap((req, res) => res.end(JSON.stringify({ client: getView(req)?.clientIp ?? null }))),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    send: async (r) => (await rawRequest(port, r)).status,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A client at 127.0.0.2 (untrusted) forging its address. */
const forged: RawRequest = {
  target: '/login?next=%0d',
  from: '127.0.0.2',
  headers: [
    ['Host', HOST],
    ['X-Forwarded-For', '6.6.6.6'],
  ],
};

describe('the default log, through a real server', () => {
  let pw: ReturnType<typeof processWarnings>;
  beforeEach(() => {
    pw = processWarnings();
  });
  afterEach(() => pw.stop());

  test('a forging request is logged by default, with who sent it, once per interval', async () => {
    const s = await serve({ trustedProxies: ['127.0.0.1'], allowedHosts: [HOST] });
    try {
      for (let i = 0; i < 3; i++) assert.equal(await s.send(forged), 200);
    } finally {
      await s.close();
    }
    await settle();
    assert.deepEqual(
      pw.seen.map((e) => e.code),
      [WarningCodes.UNTRUSTED_FORWARDED],
    );
    assert.match(pw.seen[0]!.message, /\(peer 127\.0\.0\.2, GET \/login\?next=%0d\)$/);
  });

  test('the next line after the interval counts what was held back', async () => {
    const s = await serve({ trustedProxies: ['127.0.0.1'], diagnosticIntervalMs: 300 });
    try {
      await s.send(forged);
      await s.send(forged);
      await s.send(forged);
      await new Promise((r) => setTimeout(r, 350));
      await s.send(forged);
    } finally {
      await s.close();
    }
    await settle();
    assert.equal(pw.seen.length, 2);
    assert.match(pw.seen[1]!.message, /\(2 more UNTRUSTED_FORWARDED warnings held back/);
  });

  test('a believed-header conflict and a Connection stripping trick are logged too', async () => {
    const s = await serve({
      trustedProxies: ['127.0.0.1'],
      headers: ['forwarded', 'x-forwarded'],
      diagnosticIntervalMs: 0,
    });
    try {
      await s.send({
        headers: [
          ['Host', HOST],
          ['Forwarded', 'for=198.51.100.1;proto=https'],
          ['X-Forwarded-For', '203.0.113.9'],
          ['X-Forwarded-Proto', 'http'],
        ],
      });
      await s.send({
        headers: [
          ['Host', HOST],
          ['Connection', 'close, X-Forwarded-For'],
          ['X-Forwarded-For', '203.0.113.9'],
        ],
      });
    } finally {
      await s.close();
    }
    await settle();
    const codes = pw.seen.map((e) => e.code);
    assert.ok(codes.includes(WarningCodes.SAME_HOP_CONFLICT), codes.join());
    assert.ok(codes.includes(WarningCodes.CONNECTION_NAMES_FORWARDED), codes.join());
  });

  test('warnings that are not forging attempts stay out of the default log', async () => {
    const s = await serve({ trustedProxies: ['127.0.0.1'], diagnosticIntervalMs: 0 });
    try {
      await s.send({
        headers: [
          ['Host', HOST],
          ['X-Forwarded-Proto', 'https, https'],
          ['X-Forwarded-For', '203.0.113.9'],
        ],
      });
    } finally {
      await s.close();
    }
    await settle();
    assert.deepEqual(pw.seen, []);
  });

  test('onWarning replaces the default log, and sees every warning unthrottled', async () => {
    const got: HttpWarning[] = [];
    const s = await serve({ trustedProxies: ['127.0.0.1'], onWarning: (w) => got.push(w) });
    try {
      for (let i = 0; i < 3; i++) await s.send(forged);
    } finally {
      await s.close();
    }
    await settle();
    assert.deepEqual(pw.seen, []);
    assert.deepEqual(
      got.map((w) => w.code),
      Array(3).fill(WarningCodes.UNTRUSTED_FORWARDED),
    );
  });

  test('logWarnings: false is off: no request warning, no diagnostic, no policy warning', async () => {
    const s = await serve({
      trustedProxies: ['127.0.0.0/8', '0.0.0.0/0'],
      allowedHosts: [HOST],
      httpsRedirect: true,
      logWarnings: false,
      diagnosticIntervalMs: 0,
    });
    const s2 = await serve({ logWarnings: false, diagnosticIntervalMs: 0 });
    try {
      assert.equal(await s.send({ headers: [['Host', HOST]] }), 301); // REDIRECT_NO_SCHEME
      await s2.send(forged);
    } finally {
      await s.close();
      await s2.close();
    }
    await settle();
    assert.deepEqual(pw.seen, []);
  });

  test('the same setup with the log on does speak (the test above can fail)', async () => {
    const s = await serve({
      trustedProxies: ['127.0.0.0/8', '0.0.0.0/0'],
      allowedHosts: [HOST],
      httpsRedirect: true,
      diagnosticIntervalMs: 0,
    });
    const s2 = await serve({ diagnosticIntervalMs: 0 });
    try {
      await s.send({ headers: [['Host', HOST]] });
      await s2.send(forged);
    } finally {
      await s.close();
      await s2.close();
    }
    await settle();
    assert.deepEqual(
      pw.seen.map((e) => e.code).sort(),
      [
        WarningCodes.TRUST_ALL,
        HttpWarningCodes.REDIRECT_NO_SCHEME,
        WarningCodes.UNTRUSTED_FORWARDED,
      ].sort(),
    );
  });

  test('logWarnings must be a boolean', () => {
    assert.throws(() => proxytrust({ logWarnings: 'no' as never }), {
      name: 'TypeError',
      message: /logWarnings/,
    });
  });
});
