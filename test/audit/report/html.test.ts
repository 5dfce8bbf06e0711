/**
 * The audit's HTML report in a real browser (Debian's Chromium through playwright-core):
 * real audits of the demo app (right, and with faults), a fleet with an unreachable target,
 * and a hostile server whose reason phrase, headers, body and probe answer carry script,
 * event handlers, javascript: links, closing tags, ANSI escapes and bidi overrides. The page
 * renders with no console error, makes no request but its own file, is governed by its CSP,
 * folds evidence, draws the chain; nothing the target sent runs, and all of it is shown as
 * text. A control page with the same payloads unescaped proves the detection works.
 *
 * Pages and screenshots go to a temporary folder, removed at the end (kept when
 * KEEP_HTML_TMP is set, to look at them).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  chainFromOutside,
  chainFromProbe,
  FIX_OWNER,
  fixOwnerHop,
} from '../../../src/audit/chain.js';
import type { ProbeAnswer } from '../../../src/audit/context.js';
import { drawnHops, renderHtml } from '../../../src/audit/report/html.js';
import { auditFleet } from '../../../src/audit/run.js';
import { type AuditReport, CHECK_IDS, type CheckResult } from '../../../src/audit/types.js';
import { run } from '../../../src/cli/index.js';
import {
  type ComputedStyle,
  type DomDocument,
  launchBrowser,
  openPage,
  tempFolder,
} from '../../report/browser.js';
import { CERT, close, listen, SECRET, serveApp } from '../servers.js';

// the page's globals inside page.evaluate (no DOM library in this project's compilation)
declare const window: Record<string, unknown>;
declare const document: DomDocument;
declare const getComputedStyle: ComputedStyle;

/** What hostile content tries; each sets window.__pwned, changes the title or fetches `x`. */
const PAYLOADS = [
  `<script>window.__pwned='script';document.title='PWNED'</script>`,
  `<img src=x onerror="window.__pwned='img'">`,
  `<a href="javascript:window.__pwned='link'">click</a>`,
  `</style><style>body{display:none}</style>`,
  `</pre></details></summary><script>window.__pwned='details'</script>`,
  `</text></svg><svg onload="window.__pwned='svg'"></svg>`,
  `<iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
  `<script>alert('pwned')</script>`,
];
const ANSI = '\u001b]0;PWNED\u0007\u001b[2J\u001b[31m';
const BIDI = '\u202e';
const HOSTILE = `${PAYLOADS.join(' ')} ${ANSI} ${BIDI}evil`;

/**
 * A raw https/http server: every answer a 302 whose reason phrase, Location (javascript:),
 * Set-Cookie and HSTS carry the payloads, and whose body reflects the Host (so the host
 * check quotes it) next to them; the probe path answers a probe document made of payloads.
 */
async function hostileServer() {
  const answer = (raw: string): Buffer => {
    const head = raw.split('\r\n');
    const path = head[0]?.split(' ')[1] ?? '/';
    const host =
      head
        .find((l) => /^host:/i.test(l))
        ?.slice(5)
        .trim() ?? '';
    if (path.startsWith('/.well-known/proxytrust/probe')) {
      const doc = {
        version: 1,
        probe: PAYLOADS[0],
        view: {
          scheme: 'https',
          host: `${PAYLOADS[1]}${BIDI}`,
          clientIp: '203.0.113.9',
          peer: `10.0.0.2${PAYLOADS[5]}`,
          peerTrusted: true,
        },
        forwarded: {
          'x-forwarded-for': [`203.0.113.9 ${PAYLOADS[0]}, 10.0.0.1 ${BIDI}${ANSI}`],
          'x-forwarded-proto': ['https', `https ${PAYLOADS[3]}`],
          forwarded: [`for=${PAYLOADS[2]!.replace(/"/g, "'")}`],
        },
        headerLines: 'separate',
        warnings: [],
      };
      const body = Buffer.from(JSON.stringify(doc), 'utf8');
      return Buffer.concat([
        Buffer.from(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
          'latin1',
        ),
        body,
      ]);
    }
    const body = Buffer.from(
      `<html><body>${HOSTILE} host=${host} ${HOSTILE}</body></html>`,
      'utf8',
    );
    const latin = (s: string) => s.replace(/[^\u0000-\u00ff]/g, '?');
    return Buffer.concat([
      Buffer.from(
        latin(
          `HTTP/1.1 302 Found ${PAYLOADS[0]}${ANSI}\r\n` +
            `Location: javascript:window.__pwned='location'//${PAYLOADS[1]}\r\n` +
            `Set-Cookie: sid=${PAYLOADS[3]}${PAYLOADS[4]}; Path=/${ANSI}\r\n` +
            `Strict-Transport-Security: max-age=1 ${PAYLOADS[5]}\u0085\r\n` +
            `Content-Type: text/html\r\n` +
            `Content-Length: ${body.length}\r\n\r\n`,
        ),
        'latin1',
      ),
      body,
    ]);
  };
  const onSocket = (s: net.Socket) => {
    s.on('error', () => {});
    s.once('data', (d: Buffer) => s.end(answer(d.toString('latin1'))));
  };
  const tlsServer = https.createServer({ cert: CERT.cert, key: CERT.key });
  tlsServer.on('secureConnection', onSocket);
  const plain = net.createServer(onSocket);
  const tlsPort = await listen(tlsServer);
  const plainPort = await listen(plain);
  return {
    options: {
      url: `https://app.test:${tlsPort}/`,
      httpUrl: `http://app.test:${plainPort}/`,
      rules: {
        resolve: [
          { host: 'app.test', port: tlsPort, address: '127.0.0.1' },
          { host: 'app.test', port: plainPort, address: '127.0.0.1' },
        ],
        connectTo: [],
      },
      ca: CERT.cert,
      timeoutMs: 1500,
      probeSecret: SECRET,
      csrfPath: '/form',
      health: ['/healthz'],
    },
    stop: () => Promise.all([close(tlsServer), close(plain)]),
  };
}

let browser: Browser;
const tmp = tempFolder('pt-html-audit-');
const reports: Record<'pass' | 'fail' | 'outside' | 'fleet' | 'hostile', AuditReport> = {} as never;

before(async () => {
  browser = await launchBrowser();
  const right = await serveApp();
  const wrong = await serveApp({ mode: 'naive' });
  const hostile = await hostileServer();
  try {
    reports.pass = await auditFleet([right.options]);
    reports.fail = await auditFleet([wrong.options]);
    reports.outside = await auditFleet([{ ...right.options, probeSecret: undefined }]);
    reports.fleet = await auditFleet(
      [
        right.options,
        wrong.options,
        {
          url: 'https://gone.test:1/',
          timeoutMs: 500,
          rules: { resolve: [{ host: 'gone.test', port: 1, address: '127.0.0.1' }], connectTo: [] },
        },
      ],
      3,
    );
    reports.hostile = await auditFleet([hostile.options]);
  } finally {
    await Promise.all([right.stop(), wrong.stop(), hostile.stop()]);
  }
});
after(async () => {
  await browser?.close();
  if (!process.env.KEEP_HTML_TMP) tmp.remove();
});

/** What every report page must be: clean, offline, under its policy. */
async function assertInert(o: Awaited<ReturnType<typeof openPage>>) {
  assert.deepEqual(o.errors, [], 'console errors');
  assert.deepEqual(o.blocked, [], 'requests other than the page');
  assert.deepEqual(o.requests, [o.url], 'the page is the only request');
  assert.deepEqual(o.dialogs, [], 'dialogs');
  assert.deepEqual(await o.violations(), [], 'CSP violations of the page itself');
}

describe('audit HTML report in Chromium', () => {
  test('a passing audit: verdict, counts, no console error, no request, the CSP in effect', async () => {
    const o = await openPage(browser, tmp.dir, 'pass', renderHtml(reports.pass));
    try {
      await assertInert(o);
      const p = o.page;
      assert.equal((await p.textContent('.verdict'))?.trim(), 'OK');
      assert.equal(await p.locator('.item.s-pass').count(), reports.pass.summary.pass);
      assert.ok(reports.pass.summary.pass >= 10, 'the demo app passes the checks');
      const csp = await p.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
      assert.match(
        csp ?? '',
        /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:/,
      );
      // the report's own style sheet applies (its hash matches) ...
      const bg = await p.$eval('.verdict', (el) => getComputedStyle(el).backgroundColor);
      assert.equal(bg, 'rgb(19, 115, 51)');
      // ... and the policy blocks any other style, script and image
      const outcome = await p.evaluate(async () => {
        const s = document.createElement('style');
        s.textContent = 'body{background:rgb(1, 2, 3)}';
        document.head.append(s);
        const sc = document.createElement('script');
        sc.textContent = 'window.__inline = 1';
        document.body.append(sc);
        const img = document.createElement('img');
        img.src = 'http://127.0.0.1:9/x.png';
        document.body.append(img);
        await new Promise((r) => setTimeout(r, 200));
        return {
          bg: getComputedStyle(document.body).backgroundColor,
          inline: window.__inline,
        };
      });
      assert.notEqual(outcome.bg, 'rgb(1, 2, 3)');
      assert.equal(outcome.inline, undefined);
      const v = await o.violations();
      assert.ok(
        v.some((x) => x.startsWith('style-src')),
        v.join('; '),
      );
      assert.ok(
        v.some((x) => x.startsWith('script-src')),
        v.join('; '),
      );
      assert.ok(
        v.some((x) => x.startsWith('img-src')),
        v.join('; '),
      );
      assert.deepEqual(o.blocked, [], 'the blocked image was never requested');
      await p.screenshot({ path: join(tmp.dir, 'pass.png') });
    } finally {
      await o.close();
    }
  });

  test('a failing audit: evidence folded until opened, the chain drawn, the fix hop marked', async () => {
    const o = await openPage(browser, tmp.dir, 'fail', renderHtml(reports.fail));
    try {
      await assertInert(o);
      const p = o.page;
      assert.equal((await p.textContent('.verdict'))?.trim(), 'FAIL');
      const failed = reports.fail.targets[0]!.results.filter((r) => r.status === 'fail');
      assert.ok(failed.length > 0);
      assert.equal(await p.locator('.item.s-fail').count(), failed.length);
      assert.equal(await p.locator('.item.s-fail .fix').count(), failed.length);
      // folded: the evidence is hidden until its summary is clicked
      const d = p.locator('.item.s-fail details').first();
      assert.equal(await d.getAttribute('open'), null);
      const inner = d.locator('details').first();
      assert.equal(await inner.isVisible(), false);
      // in print every fold is open
      await p.emulateMedia({ media: 'print' });
      assert.equal(await inner.isVisible(), true);
      await p.emulateMedia({ media: 'screen' });
      assert.equal(await inner.isVisible(), false);
      await d.locator('summary').first().click();
      assert.notEqual(await d.getAttribute('open'), null);
      assert.equal(await inner.isVisible(), true);
      // the chain: the app answered directly (no proxy), so client -> app, app marked
      const hops = p.locator('figure.chain svg g.hop');
      assert.equal(await hops.count(), 2);
      assert.match((await hops.nth(0).textContent()) ?? '', /client/);
      assert.match((await hops.nth(1).textContent()) ?? '', /app \(/);
      const owned = failed.filter((r) => FIX_OWNER[r.id] !== undefined).map((r) => r.id);
      assert.ok(owned.length > 0, 'the naive app fails a check with a known owner');
      assert.equal(await p.locator('figure.chain svg g.hop.marked').count(), 1);
      const mark = (await p.locator('g.hop.marked text.mark').allTextContents()).join(' ');
      for (const id of owned) assert.ok(mark.includes(id) || mark.includes('…'), mark);
      await p.screenshot({ path: join(tmp.dir, 'fail.png'), fullPage: true });
    } finally {
      await o.close();
    }
  });

  test('without a probe: client -> entry point -> app (unknown), and a note that the probe shows more', async () => {
    const o = await openPage(browser, tmp.dir, 'outside', renderHtml(reports.outside));
    try {
      await assertInert(o);
      assert.equal(reports.outside.targets[0]!.chain, undefined);
      const titles = await o.page.locator('figure.chain svg g.hop text.t1').allTextContents();
      assert.deepEqual(titles, ['client (the audit)', 'entry point', 'app (unknown)']);
      assert.match(
        (await o.page.textContent('section')) ?? '',
        /with --probe-secret the app's probe shows/,
      );
    } finally {
      await o.close();
    }
  });

  test('a fleet: a targets x checks grid whose cells link into each target section', async () => {
    const o = await openPage(browser, tmp.dir, 'fleet', renderHtml(reports.fleet));
    try {
      await assertInert(o);
      const p = o.page;
      assert.equal((await p.textContent('.verdict'))?.trim(), 'FAIL');
      assert.equal(await p.locator('table.grid tbody tr').count(), 3);
      const links = await p.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
      assert.ok(links.length > 20);
      for (const href of links) {
        assert.match(href, /^#t\d+(-[a-z-]+)?$/, 'only the report’s own anchors');
        assert.equal(await p.locator(`[id="${href.slice(1)}"]`).count(), 1, `${href} resolves`);
      }
      // a failing cell of the second target leads to that check's section
      const failing = reports.fleet.targets[1]!.results.find((r) => r.status === 'fail')!;
      await p.click(`table.grid a[href="#t2-${failing.id}"]`);
      assert.ok(p.url().endsWith(`#t2-${failing.id}`));
      assert.ok(await p.locator(`[id="t2-${failing.id}"]`).isVisible());
      assert.match((await p.textContent('table.grid tbody tr:nth-child(3)')) ?? '', /UNREACHABLE/);
      await p.screenshot({ path: join(tmp.dir, 'fleet.png') });
    } finally {
      await o.close();
    }
  });

  test('hostile content from a real server: nothing runs, nothing is fetched, all shown as text', async () => {
    const report = reports.hostile;
    const t = report.targets[0]!;
    assert.equal(t.reachable, true);
    // the payloads really are in the report (so the page below is a real test)
    const json = JSON.stringify(report);
    for (const p of [PAYLOADS[0]!, PAYLOADS[1]!, 'javascript:', '</style>', BIDI, '\u001b]0;'])
      assert.ok(json.includes(JSON.stringify(p).slice(1, -1)), `report carries ${p}`);
    assert.ok(t.chain, 'the probe answered: the chain is drawn from it');
    const page = renderHtml(report);
    assert.ok(!page.includes(BIDI) && !page.includes('\u001b'), 'no raw bidi or ESC in the page');
    const o = await openPage(browser, tmp.dir, 'hostile', page);
    try {
      await assertInert(o);
      const p = o.page;
      // nothing ran: no flag, the title is ours, no element or handler of theirs exists
      const state = await p.evaluate(() => ({
        pwned: window.__pwned,
        title: document.title,
        scripts: document.scripts.length,
        styles: document.querySelectorAll('style').length,
        imgs: document.querySelectorAll('img, iframe, svg svg, object, embed').length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name),
        ),
        hrefs: [...document.querySelectorAll('[href]')].map((a) => a.getAttribute('href')),
        display: getComputedStyle(document.body).display,
      }));
      assert.equal(state.pwned, undefined);
      assert.equal(state.title, `proxytrust audit ${t.url}`);
      assert.equal(state.scripts, 0);
      assert.equal(state.styles, 1);
      assert.equal(state.imgs, 0);
      assert.deepEqual(state.handlers, []);
      assert.ok(
        state.hrefs.every((h) => h?.startsWith('#')),
        String(state.hrefs),
      );
      assert.equal(state.display, 'block');
      // open every fold, then read the page as a person would: the payloads as text
      await p.evaluate(() => {
        for (const d of document.querySelectorAll('details')) d.open = true;
      });
      const text = await p.innerText('main');
      assert.ok(
        text.includes(`<script>window.__pwned='script'`),
        'the script tag is shown as text',
      );
      assert.ok(text.includes('javascript:window.__pwned'), 'the javascript: Location is shown');
      assert.ok(text.includes('\\x1b]0;PWNED\\x07'), 'ANSI made visible');
      assert.ok(text.includes('\\u202e'), 'the bidi override made visible');
      assert.ok(!text.includes(BIDI) && !text.includes('\u001b'));
      const svgText = await p.locator('figure.chain svg').textContent();
      assert.ok(svgText?.includes('\\u202e') && svgText.includes('<script>'), svgText ?? '');
      // the chain drawn from the hostile probe: two X-Forwarded-For members, two proxies
      const titles = await p.locator('figure.chain svg g.hop text.t1').allTextContents();
      assert.equal(titles.length, 4);
      assert.deepEqual(titles.slice(0, 3), ['client (the audit)', 'proxy 1', 'proxy 2']);
      assert.ok((await p.locator('figure.chain text.bad').count()) >= 2, 'the duplicated proto');
      await p.waitForTimeout(100);
      assert.equal(await p.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(o.dialogs, []);
      assert.deepEqual(o.blocked, []);
      await p.screenshot({ path: join(tmp.dir, 'hostile.png'), fullPage: true });
    } finally {
      await o.close();
    }
  });

  test('control: the same payloads unescaped in a page without a policy do run and fetch', async () => {
    const raw = `<!DOCTYPE html><html><head><title>control</title></head><body>${HOSTILE}</body></html>`;
    const o = await openPage(browser, tmp.dir, 'control', raw);
    try {
      await o.page.waitForTimeout(200);
      const pwned = await o.page.evaluate(() => window.__pwned);
      assert.ok(pwned !== undefined, 'the detection sees a payload run');
      assert.equal(await o.page.title(), 'PWNED');
      assert.ok(
        o.blocked.some((u) => u.endsWith('/x')),
        `the img fetch is seen: ${o.blocked}`,
      );
      assert.ok(o.dialogs.length > 0, 'the alert is seen');
    } finally {
      await o.close();
    }
  });

  test('the CLI writes the page: --format html --output', async () => {
    const app = await serveApp();
    try {
      const file = join(tmp.dir, 'cli.html');
      writeFileSync(join(tmp.dir, 'ca.pem'), CERT.cert);
      const o = app.options;
      const err: string[] = [];
      const code = await run(
        [
          'audit',
          o.url,
          '--http-url',
          o.httpUrl!,
          ...o.rules!.resolve.flatMap((r) => ['--resolve', `${r.host}:${r.port}:${r.address}`]),
          '--cacert',
          join(tmp.dir, 'ca.pem'),
          '--probe-secret',
          SECRET,
          '--format',
          'html',
          '--output',
          file,
        ],
        () => {},
        (s) => err.push(s),
      );
      assert.equal(code, 0, err.join('\n'));
      const opened = await browser.newPage();
      await opened.goto(`file://${file}`);
      assert.equal((await opened.textContent('.verdict'))?.trim(), 'OK');
      assert.equal(await opened.locator('figure.chain svg g.hop').count(), 2);
      await opened.close();
    } finally {
      await app.stop();
    }
  });
});

describe('the chain model (pure)', () => {
  const answer = (forwarded: Record<string, string[]>, peer = '10.0.0.3'): ProbeAnswer => ({
    version: 1,
    view: { scheme: 'https', host: 'app.test', clientIp: '198.51.100.7', peer, peerTrusted: true },
    forwarded,
    warnings: [],
  });

  test('X-Forwarded-For members: n members, n proxies; the peer is the last proxy', () => {
    const c = chainFromProbe(
      answer({ 'x-forwarded-for': ['198.51.100.7, 10.0.0.2'], 'x-forwarded-proto': ['https'] }),
    );
    assert.deepEqual(
      c.hops.map((h) => [h.role, h.address]),
      [
        ['client', '198.51.100.7'],
        ['proxy', '10.0.0.2'],
        ['proxy', '10.0.0.3'],
        ['app', undefined],
      ],
    );
    assert.deepEqual(c.hops[1]!.wrote, ['X-Forwarded-For: +198.51.100.7']);
    assert.deepEqual(c.hops[2]!.wrote, ['X-Forwarded-For: +10.0.0.2']);
    assert.deepEqual(c.duplicates, []);
    assert.ok(c.hops[3]!.believed?.includes('client IP 198.51.100.7'));
  });

  test('duplicates: a single-valued header on two lines or with a list; XFF lines are not', () => {
    const c = chainFromProbe(
      answer({
        'x-forwarded-for': ['1.1.1.1', '10.0.0.2'],
        'x-forwarded-proto': ['https', 'https'],
        'x-forwarded-host': ['a, a'],
      }),
    );
    assert.deepEqual(c.duplicates, ['x-forwarded-proto', 'x-forwarded-host']);
    assert.equal(c.hops.filter((h) => h.role === 'proxy').length, 2);
  });

  test('nothing forwarded: client -> app, and a note; only non-address headers: one or more proxies', () => {
    const direct = chainFromProbe(answer({ host: ['app.test'] }, '127.0.0.1'));
    assert.deepEqual(
      direct.hops.map((h) => h.role),
      ['client', 'app'],
    );
    assert.equal(direct.hops[0]!.address, '127.0.0.1');
    assert.match(direct.notes.join(' '), /no forwarded header reached the app/);
    const some = chainFromProbe(answer({ 'x-forwarded-proto': ['https'] }));
    assert.deepEqual(
      some.hops.map((h) => h.label),
      ['client (the audit)', 'proxy (one or more)', 'app (proxytrust probe)'],
    );
  });

  test('Forwarded elements count as hops; quoted commas do not split', () => {
    const c = chainFromProbe(answer({ forwarded: ['for="[2001:db8::1]";by="a,b", for=10.0.0.2'] }));
    assert.equal(c.hops.filter((h) => h.role === 'proxy').length, 2);
    assert.equal(c.hops[0]!.address, '[2001:db8::1]');
  });

  test('fix owners: edge checks on the first proxy, app checks on the app, the rest unmarked', () => {
    const c = chainFromProbe(answer({ 'x-forwarded-for': ['1.1.1.1, 10.0.0.2'] }));
    assert.equal(fixOwnerHop(c, 'ip-spoof'), 1);
    assert.equal(fixOwnerHop(c, 'cookie-flags'), 3);
    assert.equal(fixOwnerHop(c, 'forwarded-duplicates'), undefined);
    assert.equal(fixOwnerHop(c, 'hsts'), undefined);
    const out = chainFromOutside('https://app.test:8443/');
    assert.equal(fixOwnerHop(out, 'proto-spoof'), 1);
    assert.equal(out.hops[1]!.address, 'app.test:8443');
    for (const id of Object.keys(FIX_OWNER))
      assert.ok((CHECK_IDS as readonly string[]).includes(id));
    const r = (id: CheckResult['id'], status: CheckResult['status']): CheckResult => ({
      id,
      title: id,
      status,
      severity: 'high',
      summary: '',
      evidence: [],
      durationMs: 0,
    });
    const drawn = drawnHops(c, [
      r('ip-spoof', 'fail'),
      r('proto-spoof', 'pass'),
      r('hsts', 'fail'),
      r('csrf-origin', 'warn'),
    ]);
    assert.deepEqual(
      drawn.map((h) => h.marks),
      [undefined, ['ip-spoof'], undefined, ['csrf-origin']],
    );
  });
});
