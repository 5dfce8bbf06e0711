/**
 * Lint's HTML report in a real browser (Debian's Chromium through playwright-core): the
 * findings per file (rule, severity, file:line:col, message, evidence, fix), suppressed ones
 * folded, chains drawn when the report has them (a hand-built report: client -> each hop,
 * the hop whose file holds a cross-file finding marked), no chain drawing when it has none,
 * a configuration file carrying markup shown as text, no request, no console error.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { run } from '../../../src/cli/index.js';
import { lintTexts } from '../../../src/lint/engine.js';
import { lintDrawnHops, renderLintHtml } from '../../../src/lint/report/html.js';
import type { Finding, LintReport } from '../../../src/lint/types.js';
import { type DomDocument, launchBrowser, openPage, tempFolder } from '../../report/browser.js';

declare const window: Record<string, unknown>;
declare const document: DomDocument;

const EDGE = `server {
    listen 443 ssl;
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Proto https;
        # proxytrust-lint: ignore nginx/client-header-relayed -- the CDN in front overwrites it
        proxy_set_header X-Forwarded-For $http_x_forwarded_for;
        proxy_set_header X-Note "<script>window.__pwned='lint'</script><img src=x onerror=alert(1)>\u202e";
        proxy_pass http://127.0.0.1:8000;
    }
}
`;

let browser: Browser;
const tmp = tempFolder('pt-html-lint-');
let report: LintReport;

before(async () => {
  browser = await launchBrowser();
  report = lintTexts([{ name: 'deploy/edge.conf', text: EDGE, kind: 'nginx' }]);
});
after(async () => {
  await browser?.close();
  tmp.remove();
});

const finding = (file: string, rule: string): Finding => ({
  rule,
  severity: 'error',
  file,
  line: 3,
  column: 5,
  message: `${rule} <b>here</b>`,
  evidence: [`${file}:3: something`],
  fix: 'do the right thing',
});

/** A report with one chain of three files, the middle one holding a cross-file finding. */
function withChain(base: LintReport): LintReport {
  const cross = finding('deploy/haproxy.cfg', 'cross/scheme-not-written');
  return {
    ...base,
    chains: [
      {
        source: 'inferred',
        hops: [
          {
            file: 'deploy/edge.conf',
            kind: 'nginx',
            label: 'nginx :443',
            writes: ['x-forwarded-proto', 'x-forwarded-for'],
            believes: [],
          },
          {
            file: 'deploy/haproxy.cfg',
            kind: 'haproxy',
            label: 'haproxy :8080',
            writes: ['x-forwarded-for'],
            believes: [],
          },
          {
            file: 'deploy/settings.py',
            kind: 'django',
            label: 'django </text><script>x</script>',
            writes: [],
            believes: ['x-forwarded-proto'],
          },
        ],
        findings: [cross],
      },
    ],
  };
}

describe('lint HTML report in Chromium', () => {
  test('findings per file, suppressed ones folded, no chain drawing without chains, nothing run or fetched', async () => {
    assert.ok(
      report.summary.error >= 1 && report.summary.suppressed === 1,
      JSON.stringify(report.summary),
    );
    const o = await openPage(browser, tmp.dir, 'lint', renderLintHtml(report));
    try {
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.requests, [o.url]);
      assert.deepEqual(o.blocked, []);
      assert.deepEqual(o.dialogs, []);
      assert.deepEqual(await o.violations(), []);
      const p = o.page;
      assert.equal((await p.textContent('.verdict'))?.trim(), 'FAIL');
      const r = report.results[0]!;
      const items = p.locator('section#f1 > .item');
      assert.equal(await items.count(), r.findings.length);
      for (const [i, f] of r.findings.entries()) {
        const text = (await items.nth(i).innerText()) ?? '';
        for (const part of [f.rule, `${f.file}:${f.line}:${f.column}`, f.fix, f.severity])
          assert.ok(text.toLowerCase().includes(part.toLowerCase()), `${part} in ${text}`);
      }
      // the suppressed finding: folded until opened, with its reason
      const folded = p.locator('section#f1 details');
      assert.equal(await folded.count(), 1);
      assert.equal(await folded.getAttribute('open'), null);
      const inner = folded.locator('.item');
      assert.equal(await inner.isVisible(), false);
      await folded.locator('summary').click();
      assert.equal(await inner.isVisible(), true);
      assert.match(await inner.innerText(), /the CDN in front overwrites it/);
      assert.equal(await p.locator('figure.chain').count(), 0);
      // the markup in the file is text
      const state = await p.evaluate(() => ({
        pwned: window.__pwned,
        scripts: document.scripts.length,
        imgs: document.querySelectorAll('img').length,
      }));
      assert.deepEqual(state, { pwned: undefined, scripts: 0, imgs: 0 });
      await p.screenshot({ path: join(tmp.dir, 'lint.png'), fullPage: true });
    } finally {
      await o.close();
    }
  });

  test('a report with chains: client -> each hop, the hop whose file holds a finding marked', async () => {
    const chained = withChain(report);
    const o = await openPage(browser, tmp.dir, 'lint-chain', renderLintHtml(chained));
    try {
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.requests, [o.url]);
      const p = o.page;
      const titles = await p.locator('figure.chain svg g.hop text.t1').allTextContents();
      assert.deepEqual(titles.slice(0, 3), ['client', 'nginx :443', 'haproxy :8080']);
      assert.match(titles[3]!, /^django <\/text><script>/);
      assert.equal(await p.locator('figure.chain svg script').count(), 0);
      const marked = p.locator('figure.chain svg g.hop.marked');
      assert.equal(await marked.count(), 1);
      assert.match(
        (await marked.textContent()) ?? '',
        /haproxy :8080.*fix here:.*cross\/scheme-not-written/s,
      );
      assert.match(await p.innerText('section#c1'), /cross\/scheme-not-written/);
    } finally {
      await o.close();
    }
  });

  test('a chain inferred from real files (nginx -> gunicorn -> settings.py): drawn, the break marked', async () => {
    // nginx sets X-Forwarded-Proto only in its TLS server; Django believes it: over plain
    // http the client's own value reaches Django (cross/unwritten-header-believed)
    const inferred = lintTexts([
      {
        name: 'deploy/nginx.conf',
        text: `server {
    listen 443 ssl;
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://127.0.0.1:8000;
    }
}
server {
    listen 80;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
      },
      { name: 'deploy/gunicorn.conf.py', text: "bind = '127.0.0.1:8000'\n" },
      {
        name: 'app/settings.py',
        text: "ALLOWED_HOSTS = ['shop.example']\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n",
      },
    ]);
    const chains = inferred.chains ?? [];
    assert.ok(chains.length >= 1, 'lint inferred the chain');
    const o = await openPage(browser, tmp.dir, 'lint-inferred', renderLintHtml(inferred));
    try {
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.requests, [o.url]);
      const p = o.page;
      const figures = p.locator('figure.chain');
      assert.equal(await figures.count(), chains.length);
      const text = (await p.locator('figure.chain svg').allTextContents()).join('\n');
      for (const f of ['deploy/nginx.conf', 'deploy/gunicorn.conf.py', 'app/settings.py'])
        assert.ok(text.includes(f), `${f} drawn`);
      const marked = await p.locator('figure.chain svg g.hop.marked').allTextContents();
      assert.ok(
        marked.some((m) => /settings\.py/.test(m) && /cross\/unwritten-header-believed/.test(m)),
        marked.join(' | '),
      );
    } finally {
      await o.close();
    }
  });

  test('lintDrawnHops marks only hops with a finding in their file', () => {
    const hops = lintDrawnHops(withChain(report).chains![0]!);
    assert.deepEqual(
      hops.map((h) => h.marks),
      [undefined, undefined, ['cross/scheme-not-written'], undefined],
    );
    assert.ok(hops[1]!.lines.some((l) => l.text === 'writes x-forwarded-proto'));
    assert.ok(hops[3]!.lines.some((l) => l.text === 'believes x-forwarded-proto'));
  });

  test('the verdict follows --fail-on: findings below it are OK, said with what is left', () => {
    const soft: LintReport = {
      ...report,
      results: report.results.map((r) => ({
        ...r,
        findings: r.findings.map((f) => ({ ...f, severity: 'warning' as const })),
      })),
      summary: { ...report.summary, error: 0, warning: report.summary.error },
    };
    assert.match(renderLintHtml(soft), /class="verdict v-warn">OK, WARNINGS</);
    assert.match(renderLintHtml({ ...soft, failOn: 'warning' }), /class="verdict v-fail">FAIL</);
    assert.match(renderLintHtml(report), /class="verdict v-fail">FAIL</);
  });

  test('the CLI: lint --format html', async () => {
    const file = join(tmp.dir, 'edge.conf');
    writeFileSync(file, EDGE);
    const out: string[] = [];
    const code = await run(
      ['lint', '--format', 'html', '--kind', 'nginx', file],
      (s) => out.push(s),
      () => {},
    );
    assert.equal(code, 1);
    const page = out.join('\n');
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /http-equiv="Content-Security-Policy" content="default-src 'none'/);
    assert.match(page, /nginx\/duplicate-proxy-set-header/);
  });
});
