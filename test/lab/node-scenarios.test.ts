/**
 * Every Node scenario of the catalogue against real proxies: the app with proxytrust must
 * resolve the ground truth through its authenticated probe, spoofs must change nothing
 * (except a wrong proxy's documented leaks), and the naive Express app's beliefs are recorded.
 */
import { test } from 'node:test';
import { checkNodeScenario } from './check.js';
import { inLab } from './harness.js';
import { scenarios } from './scenarios.js';
import { startScenario } from './start.js';

const nodeScenarios = scenarios.filter((s) => s.app.kind === 'node');

test('lab: Node scenarios behind real proxies', { concurrency: 4, timeout: 240000 }, async (t) => {
  const runs = nodeScenarios.map((s) =>
    t.test(s.name, { timeout: 60000 }, (st) =>
      inLab(st, s.name, async (lab) => {
        await checkNodeScenario(await startScenario(s.name, { lab }));
      }),
    ),
  );
  await Promise.all(runs);
});
