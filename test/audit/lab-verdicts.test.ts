/**
 * The audit against every lab scenario (real nginx, HAProxy, Caddy, gunicorn+Django and the
 * Node app with proxytrust on loopback): each check ends exactly as the scenario's ground
 * truth says. Right configurations pass every check; each wrong one fails exactly the
 * checks its ground truth names, with no false failures anywhere.
 *
 * A scenario without a probe (Django) cannot prove the probe checks: those end `skip`, and
 * its ground truth must not list them as failing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConnectToRule, parseResolveRule } from '../../src/audit/network.js';
import { CHECKS } from '../../src/audit/registry.js';
import { auditTarget } from '../../src/audit/run.js';
import { scenarios } from '../lab/scenarios.js';
import { startScenario } from '../lab/start.js';
import { CLIENT_ADDRESS } from '../lab/types.js';

const PROBE_CHECKS = new Set(CHECKS.filter((c) => c.needsProbe).map((c) => c.id));

describe('audit verdicts against the lab scenarios', () => {
  for (const scenario of scenarios) {
    test(scenario.name, { timeout: 120_000 }, async () => {
      const handle = await startScenario(scenario.name);
      try {
        assert.ok(handle.httpsUrl, `${scenario.name}: the audit needs an https entry`);
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
          csrfPath: scenario.app.kind === 'django' ? '/form/' : '/',
          probeSecret: handle.probeSecret,
          timeoutMs: 5000,
        });
        const got = Object.fromEntries(report.results.map((r) => [r.id, r]));
        const truth = handle.groundTruth.audit;
        const problems: string[] = [];
        for (const id of truth.fail) {
          if (got[id]?.status !== 'fail')
            problems.push(`${id}: want fail, got ${got[id]?.status} (${got[id]?.summary})`);
        }
        for (const id of truth.pass) {
          const r = got[id];
          const ok =
            r?.status === 'pass' ||
            (r?.status === 'skip' && PROBE_CHECKS.has(id) && !handle.probeSecret);
          if (!ok) problems.push(`${id}: want pass, got ${r?.status} (${r?.summary})`);
        }
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
