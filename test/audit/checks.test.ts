/**
 * Each check against in-process targets: the demo app served directly over https and http,
 * right (every check passes) and with one mistake at a time (exactly the named checks end
 * otherwise; no false failures elsewhere).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerValue, sendRaw } from '../../src/audit/engine.js';
import { audit } from '../../src/audit/run.js';
import { CHECK_IDS, type CheckId, type Status } from '../../src/audit/types.js';
import type { AppOptions } from '../../src/demo/app.js';
import { BAD_HOST } from '../../src/node/index.js';
import { serveApp } from './servers.js';

async function verdicts(overrides: Partial<AppOptions>) {
  const t = await serveApp(overrides);
  try {
    const report = await audit(t.options);
    const target = report.targets[0]!;
    return {
      target,
      map: Object.fromEntries(target.results.map((r) => [r.id, r.status])) as Record<
        CheckId,
        Status
      >,
    };
  } finally {
    await t.stop();
  }
}

/** Every check passes except `others`, which end exactly as given. */
function expectExactly(map: Record<CheckId, Status>, others: Partial<Record<CheckId, Status>>) {
  const want = Object.fromEntries(CHECK_IDS.map((id) => [id, others[id] ?? 'pass']));
  assert.deepEqual(map, want);
}

const CASES: [string, Partial<AppOptions>, Partial<Record<CheckId, Status>>][] = [
  ['right', {}, {}],
  [
    'naive "trust proxy": leftmost forwarded values from anyone, no host check',
    { mode: 'naive' },
    {
      'proto-spoof': 'fail',
      'host-header': 'fail',
      'forwarded-host-spoof': 'fail',
      'ip-spoof': 'fail',
    },
  ],
  [
    'never believes https (the redirect loop)',
    { faults: { neverSecure: true } },
    {
      'redirect-loop': 'fail',
      hsts: 'fail',
      'cookie-flags': 'fail',
      'csrf-origin': 'fail',
      'scheme-detection': 'fail',
    },
  ],
  ['no HSTS', { hstsMaxAge: 0 }, { hsts: 'fail' }],
  ['HSTS too short', { hstsMaxAge: 300 }, { hsts: 'fail' }],
  ['HSTS twice', { faults: { duplicateHsts: true } }, { hsts: 'fail' }],
  ['HSTS over http', { faults: { hstsOverHttp: true } }, { hsts: 'fail' }],
  ['cookies without Secure', { secureCookies: false }, { 'cookie-flags': 'fail' }],
  ['no CSRF origin check', { csrf: false }, { 'csrf-origin': 'fail' }],
  ['health path redirected', { faults: { redirectHealth: true } }, { 'health-exempt': 'fail' }],
  ['temporary redirect', { faults: { temporaryRedirect: true } }, { 'https-redirect': 'warn' }],
  [
    'no https redirect',
    { httpsRedirect: false },
    { 'https-redirect': 'fail', 'cookie-flags': 'fail' },
  ],
  [
    'no allowed hosts (redirects to a fixed host): the Host is reflected in the page',
    { policy: {}, redirectHost: 'app.test' },
    { 'host-header': 'fail' },
  ],
];

describe('checks against in-process targets', () => {
  for (const [name, overrides, others] of CASES) {
    test(name, async () => {
      const { map, target } = await verdicts(overrides);
      expectExactly(map, others);
      for (const r of target.results) {
        assert.ok(r.summary.length > 0 && !r.summary.includes('\n'), `${r.id}: one-line summary`);
        if (r.status === 'fail' || r.status === 'warn') {
          assert.ok(r.fix && r.fix.length > 20, `${r.id}: a fix`);
          assert.ok(r.evidence.length > 0, `${r.id}: evidence`);
          assert.ok(r.evidence.some((e) => e.request.length > 0 && (e.response?.length ?? 0) > 0));
        }
        if (r.status === 'skip') assert.ok(r.reason);
      }
    });
  }

  test("spoofing checks prove reflection with this run's canary", async () => {
    const { target } = await verdicts({ mode: 'naive' });
    const host = target.results.find((r) => r.id === 'host-header')!;
    assert.match(target.canary.host, /^canary-[0-9a-f]{12}\.invalid$/);
    assert.ok(JSON.stringify(host.evidence).includes(target.canary.host));
    const ip = target.results.find((r) => r.id === 'ip-spoof')!;
    assert.match(target.canary.ipv4, /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/);
    assert.ok(ip.summary.includes(target.canary.ipv4));
    const again = await verdicts({ mode: 'naive' });
    assert.notEqual(again.target.canary.host, target.canary.host);
  });

  test('without options: skips with reasons, never false failures', async () => {
    const t = await serveApp();
    try {
      const { probeSecret: _p, csrfPath: _c, health: _h, ...bare } = t.options;
      const report = await audit(bare);
      const map = Object.fromEntries(report.targets[0]!.results.map((r) => [r.id, r]));
      for (const id of [
        'csrf-origin',
        'health-exempt',
        'scheme-detection',
        'ip-spoof',
        'forwarded-duplicates',
      ] as const) {
        assert.equal(map[id]!.status, 'skip', id);
        assert.ok(map[id]!.reason);
      }
      assert.equal(report.summary.fail, 0);
    } finally {
      await t.stop();
    }
  });

  test("the right flavour is proxytrust/node's middleware, not a copy of it", async () => {
    const t = await serveApp();
    try {
      const net = { rules: t.options.rules, tls: { ca: t.options.ca } };
      const url = new URL(t.options.url);
      const foreign = await sendRaw(
        { url, headers: [['Host', `evil.example:${t.httpsPort}`]] },
        net,
      );
      assert.equal(foreign.status, BAD_HOST.status);
      assert.equal(foreign.body.toString(), BAD_HOST.body);
      for (const [name, value] of Object.entries(BAD_HOST.headers))
        assert.equal(headerValue(foreign, name), value, name);
      const csrf = await sendRaw(
        {
          url: new URL('/form', url),
          method: 'POST',
          headers: [['Origin', 'https://evil.example']],
        },
        net,
      );
      assert.equal(csrf.status, 403);
      assert.match(csrf.body.toString(), /^Forbidden \(CSRF\): the Origin header does not match/);
      const page = await sendRaw({ url }, net);
      assert.equal(page.status, 200);
      // absoluteUrl's link on the resolved origin; the cookie set without Secure got it.
      assert.ok(page.body.toString().includes(`href="https://app.test:${t.httpsPort}/next"`));
      assert.match(headerValue(page, 'set-cookie') ?? '', /; Secure$/);
    } finally {
      await t.stop();
    }
  });

  test('--only and --skip select checks', async () => {
    const t = await serveApp();
    try {
      const only = await audit({ ...t.options, only: ['hsts', 'host-header'] });
      assert.deepEqual(
        only.targets[0]!.results.map((r) => r.id),
        ['host-header', 'hsts'],
      );
      const skip = await audit({ ...t.options, skip: ['hsts'] });
      assert.ok(!skip.targets[0]!.results.some((r) => r.id === 'hsts'));
      assert.equal(skip.targets[0]!.results.length, CHECK_IDS.length - 1);
    } finally {
      await t.stop();
    }
  });
});
