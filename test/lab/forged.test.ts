/**
 * Issue 18, "Through real proxies": the forged-request corpus (test/lab/forged-corpus.ts)
 * through nginx, HAProxy, Caddy, Apache httpd and an nginx -> HAProxy chain, each configured
 * as the README recommends, over http and https, to an app using proxytrust's middleware
 * and to a naive Express app behind the same proxies. No forged request may change a
 * field proxytrust resolves (scheme, secure, host, port, client IP, prefix, whether the host
 * is allowed); the naive app must be seen to change, so the harness can tell. A proxy that
 * refuses a request itself is counted apart. Then the known setup mistakes: stock
 * configurations that pass a header the defaults believe.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { FORGED_CORPUS, FORGED_IP } from './forged-corpus.js';
import { type CorpusEntry, MISTAKE_ENTRIES, RECOMMENDED_ENTRIES } from './forged-entries.js';
import { type Answer, type CaseResult, describe, runCorpus, startEntry } from './forged-run.js';
import { type Lab, labTest } from './harness.js';
import { APP_HOST, CLIENT_ADDRESS, type Via } from './types.js';

async function startAll(lab: Lab, entries: readonly CorpusEntry[]) {
  return Promise.all(entries.map((e) => startEntry(lab, e)));
}

/** The baseline through `via` must be the truth: otherwise the comparison proves nothing. */
function assertTruth(name: string, via: Via, a: Answer | undefined): void {
  assert.equal(a?.kind, 'view', `${name} ${via} baseline: ${JSON.stringify(a)}`);
  if (a?.kind !== 'view') return;
  assert.deepEqual(
    { ...a.fields },
    {
      scheme: via,
      secure: via === 'https',
      host: APP_HOST,
      port: via === 'https' ? 443 : 80,
      clientIp: CLIENT_ADDRESS,
      prefix: undefined,
      hostAllowed: true,
    },
    `${name} ${via}: the honest request resolves the truth`,
  );
}

function count(results: readonly CaseResult[], app: 'proxytrust' | 'naive') {
  const mine = results.filter((r) => r.app === app);
  return {
    requests: mine.length,
    changed: mine.filter((r) => r.verdict === 'changed'),
    failedClosed: mine.filter((r) => r.verdict === 'failed-closed'),
    refusedByProxy: mine.filter((r) => r.verdict === 'refused'),
  };
}

function report(t: TestContext, results: readonly CaseResult[]): void {
  const entries = [...new Set(results.map((r) => r.entry))];
  for (const entry of entries) {
    const mine = results.filter((r) => r.entry === entry);
    const pt = count(mine, 'proxytrust');
    const nv = count(mine, 'naive');
    const refusedIds = [...new Set(pt.refusedByProxy.map((r) => `${r.caseId}(${r.via})`))];
    t.diagnostic(
      `${entry}: ${pt.requests} forged requests per app; proxytrust changed ${pt.changed.length}, failed closed ${pt.failedClosed.length}; naive changed ${nv.changed.length}; refused by the proxy ${pt.refusedByProxy.length}${refusedIds.length ? `: ${refusedIds.join(' ')}` : ''}`,
    );
  }
}

labTest(
  'lab: forged requests through recommended real proxies change nothing proxytrust resolves',
  async (lab, t) => {
    const running = await startAll(lab, RECOMMENDED_ENTRIES);
    const { baselines, results } = await runCorpus(running, FORGED_CORPUS);
    for (const e of RECOMMENDED_ENTRIES) {
      for (const via of ['http', 'https'] as const) {
        assertTruth(e.name, via, baselines.get(`${e.name}/${via}/proxytrust`));
      }
    }
    assert.ok(FORGED_CORPUS.length >= 60, `corpus has ${FORGED_CORPUS.length} cases`);
    report(t, results);
    const pt = count(results, 'proxytrust');
    const nv = count(results, 'naive');
    t.diagnostic(
      `corpus ${FORGED_CORPUS.length} cases x ${RECOMMENDED_ENTRIES.length * 2} entry points = ${pt.requests} requests per app; naive changed ${nv.changed.length}; proxytrust changed ${pt.changed.length}, failed closed (warned) ${pt.failedClosed.length}; refused by a proxy ${pt.refusedByProxy.length}`,
    );
    // The harness can tell: the naive app is fooled through every entry.
    for (const e of RECOMMENDED_ENTRIES) {
      const fooled = nv.changed.filter((r) => r.entry === e.name);
      assert.ok(fooled.length > 0, `the naive app behind ${e.name} must be seen to change`);
    }
    for (const r of pt.failedClosed) t.diagnostic(describe(r));
    if (process.env.LAB_FORGED_REPORT) {
      writeFileSync(
        process.env.LAB_FORGED_REPORT,
        JSON.stringify({ baselines: [...baselines], results }, null, 1),
      );
    }
    // Failing closed is acceptable only where the forgery hid the proxy's own information
    // from the app (more header lines than Node keeps): nothing can recover it there.
    const lines = [...pt.changed, ...pt.failedClosed.filter((r) => r.group !== 'header-cap')].map(
      describe,
    );
    assert.equal(
      lines.length,
      0,
      `no forged request may change what proxytrust resolves (nor make it fail closed, but past Node's header cap); ${lines.length} did:\n${lines.join('\n')}`,
    );
  },
  { timeout: 180000 },
);

labTest(
  'lab: known setup mistakes: stock proxies pass headers the defaults believe',
  async (lab, t) => {
    const running = await startAll(lab, MISTAKE_ENTRIES);
    const ids = ['xfp', 'xff', 'xf-ssl', 'connection-x-forwarded-proto'];
    const cases = FORGED_CORPUS.filter((c) => ids.includes(c.id));
    const { results } = await runCorpus(running, cases);
    const moved = results.filter(
      (r) => r.app === 'proxytrust' && r.verdict !== 'same' && r.verdict !== 'refused',
    );
    for (const r of moved) t.diagnostic(describe(r));
    // proto-spoof: the stock configurations pass the client's X-Forwarded-Proto, which the
    // defaults believe. ip-spoof: the bare nginx passes the client's X-Forwarded-For as it
    // came. Over https none of them writes a scheme, so the baseline is already http there
    // and a claimed `http` changes nothing: the spoof shows over the http entry.
    // Apache honouring the client's Connection list drops the X-Forwarded-Proto it set.
    assert.deepEqual(
      moved.map((r) => `${r.entry} ${r.via} ${r.caseId}: ${r.changed.join(',')}`).sort(),
      [
        'apache-connection https connection-x-forwarded-proto: scheme,secure,port',
        'apache-stock http xfp: scheme,secure,port',
        'haproxy-forwardfor-only http xfp: scheme,secure,port',
        'nginx-bare http xff: clientIp',
        'nginx-bare http xfp: scheme,secure,port',
        'nginx-bare https xff: clientIp',
      ],
    );
    // The forged address is the one believed: no app behind this proxy can tell.
    const ip = results.find(
      (r) => r.entry === 'nginx-bare' && r.caseId === 'xff' && r.app === 'proxytrust',
    );
    assert.equal(ip?.answer.kind === 'view' ? ip.answer.fields.clientIp : undefined, FORGED_IP);
  },
  { timeout: 60000 },
);
