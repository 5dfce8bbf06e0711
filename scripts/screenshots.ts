/**
 * The screenshots of the HTML reports in docs/img/ (shown in README.md and docs/audit.md):
 * a passing audit (nginx -> HAProxy -> app), a failing one (nginx relays the client's
 * forwarded headers), a fleet (the lab's chain, the demo app right and with faults, and an
 * unreachable target) and a lint report.
 * Audits run against the lab's real nginx and HAProxy on loopback (scripts/setup.sh installs
 * them), pages are rendered by Debian's /usr/bin/chromium through playwright-core.
 *
 *   node --import tsx scripts/screenshots.ts [outdir]     (default docs/img)
 *
 * Also writes each report's .html next to its .png, in the output folder, when --html is
 * given (docs/img keeps only the images).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { TargetOptions } from '../src/audit/context.js';
import { parseConnectToRule, parseResolveRule } from '../src/audit/network.js';
import { renderHtml } from '../src/audit/report/html.js';
import { auditFleet } from '../src/audit/run.js';
import type { AuditReport } from '../src/audit/types.js';
import { lintTexts } from '../src/lint/engine.js';
import { renderLintHtml } from '../src/lint/report/html.js';
import { serveApp, type Target } from '../test/audit/servers.js';
import { type ScenarioHandle, startScenario } from '../test/lab/start.js';
import { CLIENT_ADDRESS } from '../test/lab/types.js';

const args = process.argv.slice(2);
const keepHtml = args.includes('--html');
const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? 'docs/img');
mkdirSync(outDir, { recursive: true });

function targetOf(h: ScenarioHandle): TargetOptions {
  return {
    url: h.httpsUrl!,
    httpUrl: h.httpUrl,
    rules: {
      resolve: h.resolve.map(parseResolveRule),
      connectTo: h.connectTo.map(parseConnectToRule),
    },
    ca: h.ca,
    localAddress: CLIENT_ADDRESS,
    health: ['/healthz'],
    csrfPath: '/',
    probeSecret: h.probeSecret,
    timeoutMs: 5000,
  };
}

const handles: ScenarioHandle[] = [];
const demos: Target[] = [];
async function scenario(name: string): Promise<ScenarioHandle> {
  const h = await startScenario(name);
  handles.push(h);
  return h;
}

const pages: { name: string; html: string; height?: number }[] = [];
try {
  const right = await scenario('nginx-haproxy');
  const wrong = await scenario('nginx-passthrough');
  const pass = await auditFleet([targetOf(right)]);
  const fail = await auditFleet([targetOf(wrong)]);
  // a fleet: the lab's chain, the demo app right and with faults (https://app.test:<port>/),
  // and a target that is down
  for (const variant of [
    {},
    { mode: 'naive' as const },
    { faults: { duplicateHsts: true } },
    { faults: { redirectHealth: true } },
  ]) {
    const app = await serveApp(variant);
    demos.push(app);
  }
  const unreachable: TargetOptions = {
    url: 'https://gone.example.test:1/',
    rules: { resolve: [parseResolveRule('gone.example.test:1:127.0.0.1')], connectTo: [] },
    timeoutMs: 1000,
  };
  const fleet: AuditReport = await auditFleet(
    [targetOf(right), ...demos.map((d) => d.options), unreachable],
    3,
  );
  pages.push(
    { name: 'audit-pass', html: renderHtml(pass) },
    { name: 'audit-fail', html: renderHtml(fail) },
    { name: 'audit-fleet', html: renderHtml(fleet) },
  );
} finally {
  await Promise.all([...handles.map((h) => h.stop()), ...demos.map((d) => d.stop())]);
}
const lintReport = lintTexts([
  {
    name: 'deploy/nginx/edge.conf',
    text: `server {
    listen 443 ssl;
    server_name app.example.com;
    set_real_ip_from 0.0.0.0/0;
    real_ip_header X-Forwarded-For;
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Proto https;
        proxy_set_header X-Forwarded-For $http_x_forwarded_for;
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
  },
]);
pages.push({ name: 'lint', html: renderLintHtml(lintReport) });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  for (const p of pages) {
    const file = join(outDir, `${p.name}.html`);
    writeFileSync(file, p.html);
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: join(outDir, `${p.name}.png`), fullPage: false });
    process.stdout.write(`${join(outDir, `${p.name}.png`)}\n`);
    if (!keepHtml) (await import('node:fs')).rmSync(file);
  }
} finally {
  await browser.close();
}
