/**
 * The Django reference targets under gunicorn behind nginx, right and wrong: each must show
 * exactly the behaviour its ground truth lists (the audit relies on it).
 */
import { test } from 'node:test';
import { checkDjangoScenario } from './check-django.js';
import { inLab } from './harness.js';
import { scenarios } from './scenarios.js';
import { startScenario } from './start.js';

const djangoScenarios = scenarios.filter((s) => s.app.kind === 'django');

// About 12 s a scenario on an idle 2-core machine, 4 at a time; the parent's budget grows
// with the catalogue and leaves room for a loaded machine.
const BUDGET_MS = 60000 + djangoScenarios.length * 15000;

test('lab: Django reference targets', { concurrency: 4, timeout: BUDGET_MS }, async (t) => {
  const runs = djangoScenarios.map((s) =>
    t.test(s.name, { timeout: 90000 }, (st) =>
      inLab(st, s.name, async (lab) => checkDjangoScenario(await startScenario(s.name, { lab }))),
    ),
  );
  await Promise.all(runs);
});
