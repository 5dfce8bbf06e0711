/**
 * Terminal injection: whatever a hostile target sends (reason phrase, Location,
 * Set-Cookie, HSTS, bodies), no control character or bidi override reaches the terminal
 * through the text report or the --verbose log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeControls, hasUnsafeCharacters } from '../../src/audit/report/escape.js';
import { renderText } from '../../src/audit/report/text.js';
import type { AuditReport, CheckResult, TargetReport } from '../../src/audit/types.js';
import { run } from '../../src/cli/index.js';
import { CERT, close, listen } from '../audit/servers.js';

/** Every class that must not reach a terminal raw. */
const NASTY =
  '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u009b31m\u0000\u0008\u007f\u0085\u202e\u2066\u200f\u061c\u2028\r';
/** Any of them left in output (LF is the output's own line break). */
const UNSAFE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminal injection', () => {
  test('escapeControls: nothing unsafe is left, LF only when asked, printable text untouched', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = escapeControls(s);
        assert.ok(!UNSAFE.test(once) && !once.includes('\n'));
        assert.equal(escapeControls(once), once);
        assert.ok(!UNSAFE.test(escapeControls(s, true)));
        assert.equal(hasUnsafeCharacters(escapeControls(s, true)), false);
      }),
    );
    assert.equal(escapeControls('max-age=1; café ü → ok'), 'max-age=1; café ü → ok');
    assert.equal(escapeControls('\u001b[2J\u202e\n'), '\\x1b[2J\\u202e\\n');
  });

  test('renderText escapes every field a target can fill', () => {
    const r: CheckResult = {
      id: 'hsts',
      title: 'hsts',
      status: 'fail',
      severity: 'medium',
      summary: `bad HSTS ${NASTY}`,
      fix: `fix ${NASTY}`,
      evidence: [
        {
          label: `GET ${NASTY}`,
          request: `GET / HTTP/1.1\nHost: a${NASTY}`,
          response: [`HTTP/1.1 200 ${NASTY}`, `Location: ${NASTY}`, `body: …${NASTY}…`],
        },
        { label: 'x', request: 'GET / HTTP/1.1', error: `error ${NASTY}` },
      ],
      durationMs: 1,
    };
    const t: TargetReport = {
      url: 'https://a.example/',
      httpUrl: 'http://a.example/',
      reachable: true,
      canary: { host: 'c.invalid', ipv4: '192.0.2.1', ipv6: '2001:db8::1' },
      startedAt: new Date().toISOString(),
      durationMs: 1,
      summary: { pass: 0, fail: 1, warn: 0, skip: 0, error: 0 },
      results: [r],
    };
    const down: TargetReport = {
      ...t,
      reachable: false,
      unreachableReason: `protocol error: ${NASTY}`,
      failure: { kind: 'protocol', message: NASTY },
      summary: { pass: 0, fail: 0, warn: 0, skip: 0, error: 1 },
      results: [{ ...r, status: 'error' }],
    };
    const report: AuditReport = {
      schema: 'proxytrust-audit/1',
      tool: { name: 'proxytrust', version: '0.1.0' },
      startedAt: t.startedAt,
      durationMs: 1,
      summary: {
        pass: 0,
        fail: 1,
        warn: 0,
        skip: 0,
        error: 1,
        targets: 2,
        unreachable: 0,
        broken: 1,
      },
      targets: [t, down],
    };
    for (const verbose of [false, true]) {
      const text = renderText(report, { verbose });
      assert.ok(!UNSAFE.test(text), JSON.stringify(text.match(UNSAFE)));
      assert.match(text, /\\x1b\]0;pwned\\x07/);
      assert.match(text, /\\u202e/);
    }
  });

  test('a hostile target: the text report and the --verbose log stay inert', async () => {
    const bytes = (s: string) => Buffer.from(s, 'latin1');
    const server = https.createServer({ cert: CERT.cert, key: CERT.key });
    server.on('secureConnection', (s) => {
      s.on('error', () => {});
      s.once('data', () => {
        const body = Buffer.from(`<p>${NASTY}</p>`, 'utf8');
        s.end(
          Buffer.concat([
            bytes(
              `HTTP/1.1 302 Found \u001b]0;owned\u0007\u001b[2J\u009b1m\r\n` +
                `Location: /next\u001b[31m\r\n` +
                `Set-Cookie: sessionid=1; Path=/\u001b]8;;http://evil/\u0007\r\n` +
                `Strict-Transport-Security: max-age=1\u001b[8m\u0085\r\n` +
                `X-Bare: one\ntwo\u001b[1A\r\n` +
                `Content-Length: ${body.length}\r\n\r\n`,
            ),
            body,
          ]),
        );
      });
    });
    const port = await listen(server);
    after(() => close(server));
    const dir = mkdtempSync(join(tmpdir(), 'pt-inject-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, CERT.cert);
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(
      [
        'audit',
        `https://app.test:${port}/`,
        '--http-url',
        'http://app.test:1/',
        '--resolve',
        `app.test:${port}:127.0.0.1`,
        '--cacert',
        ca,
        '--timeout',
        '1500',
        '--verbose',
      ],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    assert.equal(code, 1);
    const stdout = out.join('\n');
    const stderr = err.join('\n');
    assert.match(stderr, /302 Found \\x1b\]0;owned\\x07\\x1b\[2J\\x9b1m/); // the log shows it, escaped
    assert.match(stderr, /X-Bare: one\\ntwo/);
    assert.match(stdout, /Strict-Transport-Security: max-age=1\\x1b\[8m\\x85/);
    for (const [name, text] of [
      ['stdout', stdout],
      ['stderr', stderr],
    ] as const) {
      assert.ok(!UNSAFE.test(text), `${name}: ${JSON.stringify(text.match(UNSAFE))}`);
    }
  });
});
