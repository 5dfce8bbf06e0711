/**
 * The audit against every lab scenario (real nginx, HAProxy, Caddy, Apache, gunicorn+Django
 * with and without the Django probe, and the Node app with proxytrust on loopback): each
 * check ends exactly as the scenario's ground truth says. Right configurations get no
 * failure; each wrong one fails exactly the checks its ground truth names.
 *
 * Each scenario's row of the confusion matrix (scenario x check, expected and got) is
 * written to the lab's results directory; `node --import tsx test/lab/docs-table.ts`
 * publishes it in docs/lab.md.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseConnectToRule, parseResolveRule } from '../../src/audit/network.js';
import { CHECKS } from '../../src/audit/registry.js';
import { auditTarget } from '../../src/audit/run.js';
import { RESULTS_DIR } from '../lab/check.js';
import { scenarios } from '../lab/scenarios.js';
import { startScenario } from '../lab/start.js';
import { type AuditCheckId, CLIENT_ADDRESS } from '../lab/types.js';

const PROBE_CHECKS = new Set(CHECKS.filter((c) => c.needsProbe).map((c) => c.id));

/** One scenario's row of the confusion matrix. */
export interface MatrixRow {
  readonly scenario: string;
  readonly correct: boolean;
  readonly probe: boolean;
  /** check -> expected status ('-' when not asserted) and the status the audit gave. */
  readonly cells: Record<AuditCheckId, { expected: string; got: string; summary: string }>;
}

/** Where the matrix rows go. */
export const MATRIX_DIR = join(RESULTS_DIR, 'audit-matrix');

describe('audit verdicts against the lab scenarios', { concurrency: 2 }, () => {
  for (const scenario of scenarios) {
    test(scenario.name, { timeout: 120_000 }, async () => {
      const handle = await startScenario(scenario.name);
      try {
        assert.ok(handle.httpsUrl, `${scenario.name}: the audit needs an https entry`);
        const truth = handle.groundTruth.audit;
        const report = await auditTarget({
          url: handle.httpsUrl!,
          httpUrl: handle.httpUrl,
          rules: {
            resolve: handle.resolve.map(parseResolveRule),
            connectTo: handle.connectTo.map(parseConnectToRule),
          },
          ca: handle.ca,
          localAddress: CLIENT_ADDRESS,
          health: ['/healthz'],
          csrfPath: truth.options?.csrfPath ?? (scenario.app.kind === 'django' ? '/form/' : '/'),
          cookiePath: truth.options?.cookiePath,
          probeSecret: handle.probeSecret,
          timeoutMs: 10000,
        });
        const problems: string[] = [];
        const expected = (id: AuditCheckId): string =>
          PROBE_CHECKS.has(id) && !handle.probeSecret
            ? 'skip'
            : truth.fail.includes(id)
              ? 'fail'
              : truth.warn?.includes(id)
                ? 'warn'
                : truth.pass.includes(id)
                  ? 'pass'
                  : '-';
        const cells = {} as MatrixRow['cells'];
        for (const r of report.results) {
          const want = expected(r.id);
          cells[r.id] = { expected: want, got: r.status, summary: r.summary };
          if (want !== '-' && r.status !== want) {
            problems.push(`${r.id}: want ${want}, got ${r.status} (${r.summary})`);
          }
          // Never a false failure, even where the ground truth asserts nothing.
          if (want === '-' && r.status === 'fail' && scenario.correct) {
            problems.push(`${r.id}: a failure on a right scenario (${r.summary})`);
          }
        }
        // The chain the HTML report draws: with a probe, as many proxies as the scenario has
        // hops (read from X-Forwarded-For/Forwarded), the client at the audit's address.
        if (handle.probeSecret) {
          const chain = report.chain;
          const proxies = chain?.hops.filter((h) => h.role === 'proxy').length;
          if (proxies !== scenario.hops.length)
            problems.push(
              `chain: ${proxies} proxies drawn, the scenario has ${scenario.hops.length}`,
            );
          if (chain?.hops[0]?.address !== CLIENT_ADDRESS)
            problems.push(`chain: client at ${chain?.hops[0]?.address}, not ${CLIENT_ADDRESS}`);
        } else if (report.chain !== undefined) problems.push('chain: drawn without a probe');
        mkdirSync(MATRIX_DIR, { recursive: true });
        const row: MatrixRow = {
          scenario: scenario.name,
          correct: scenario.correct,
          probe: handle.probeSecret !== undefined,
          cells,
        };
        writeFileSync(
          join(MATRIX_DIR, `${scenario.name}.json`),
          `${JSON.stringify(row, null, 2)}\n`,
        );
        assert.deepEqual(
          problems,
          [],
          `${scenario.name}:\n${problems.join('\n')}\n${handle.logs().slice(-3000)}`,
        );
      } finally {
        await handle.stop();
      }
    });
  }
});
