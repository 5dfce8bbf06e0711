/**
 * Audit benchmark: the wall time of a full audit (all 12 checks, probe included) of one
 * loopback target, and of a fleet of 200 loopback targets (each its own https + http
 * server pair running the demo app), audited 16 at a time. Goals: < 1 s and < 10 s.
 *
 * The fleet's servers run in 4 child processes, as a real fleet runs elsewhere: the figure
 * is the auditor's wall time, not the targets' CPU.
 *
 * Run: node --import tsx bench/audit.ts
 */

import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TargetOptions } from '../src/audit/context.js';
import { auditFleet, auditTarget } from '../src/audit/run.js';
import { createApp } from '../src/demo/app.js';
import { generateThrowawayCert } from '../src/demo/cert.js';

const cert = generateThrowawayCert(['app.test']);
const secret = 'bench-probe-secret-0123456789';

function listen(s: http.Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

async function startTarget(): Promise<{ options: TargetOptions; stop: () => Promise<void> }> {
  let handler: http.RequestListener = () => {};
  const s = https.createServer({ cert: cert.cert, key: cert.key }, (q, r) => handler(q, r));
  const p = http.createServer((q, r) => handler(q, r));
  const hp = await listen(s);
  const pp = await listen(p);
  handler = createApp({
    mode: 'proxytrust',
    policy: { allowedHosts: ['app.test'] },
    publicHttpsPort: hp,
    probeSecret: secret,
  });
  return {
    options: {
      url: `https://app.test:${hp}/`,
      httpUrl: `http://app.test:${pp}/`,
      rules: {
        resolve: [
          { host: 'app.test', port: hp, address: '127.0.0.1' },
          { host: 'app.test', port: pp, address: '127.0.0.1' },
        ],
        connectTo: [],
      },
      ca: cert.cert,
      health: ['/healthz'],
      csrfPath: '/form',
      probeSecret: secret,
    },
    stop: async () => {
      for (const x of [s, p]) {
        x.closeAllConnections();
        await new Promise<void>((r) => x.close(() => r()));
      }
    },
  };
}

const serveArg = process.argv.indexOf('--serve');
if (serveArg >= 0) {
  // A child: serve N targets, print their audit options as one JSON line, run until killed.
  const started = await Promise.all(
    Array.from({ length: Number(process.argv[serveArg + 1]) }, startTarget),
  );
  process.stdout.write(`${JSON.stringify(started.map((t) => t.options))}\n`);
} else {
  const one = await startTarget();
  await auditTarget(one.options); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = await auditTarget(one.options);
    runs.push(performance.now() - t0);
    if (r.summary.pass !== 12)
      throw new Error(`expected 12 passes, got ${JSON.stringify(r.summary)}`);
  }
  await one.stop();
  runs.sort((a, b) => a - b);
  console.log(
    `one target, full audit (12 checks): median ${runs[2]!.toFixed(0)} ms, best ${runs[0]!.toFixed(0)} ms (goal < 1000 ms)`,
  );

  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: 4 }, () =>
    spawn(process.execPath, ['--import', 'tsx', self, '--serve', '50'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const targets = (
    await Promise.all(
      children.map(
        (c) =>
          new Promise<TargetOptions[]>((r) =>
            createInterface({ input: c.stdout! }).once('line', (l) =>
              r(JSON.parse(l) as TargetOptions[]),
            ),
          ),
      ),
    )
  ).flat();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await auditFleet(targets, 16);
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  for (const c of children) c.kill();
  if (report.summary.fail + report.summary.error > 0) {
    const bad = report.targets.flatMap((t) => t.results).filter((r) => r.status !== 'pass');
    throw new Error(
      `fleet: ${JSON.stringify(report.summary)} ${bad
        .slice(0, 3)
        .map((r) => `${r.id}: ${r.summary}`)
        .join('; ')}`,
    );
  }
  console.log(
    `fleet of 200 targets, concurrency 16: ${(ms / 1000).toFixed(2)} s, ${report.summary.pass} checks passed; the auditor used ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (goal < 10 s)`,
  );
}
