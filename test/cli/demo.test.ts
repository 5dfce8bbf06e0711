/** `proxytrust demo` (npm start): both chains start in-process, are audited, and stop; it exits by itself. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../../src/demo/index.js';

describe('proxytrust demo', () => {
  test('the right chain passes every check; the wrong chain fails exactly the classic mistakes', async () => {
    const [right, wrong] = await runDemo();
    assert.equal(right!.kind, 'right');
    const statuses = (r: typeof right) =>
      Object.fromEntries(r!.report.targets[0]!.results.map((x) => [x.id, x.status]));
    assert.ok(
      Object.values(statuses(right)).every((s) => s === 'pass'),
      JSON.stringify(statuses(right)),
    );
    const failed = Object.entries(statuses(wrong))
      .filter(([, s]) => s !== 'pass')
      .map(([id, s]) => `${id}:${s}`)
      .sort();
    assert.deepEqual(failed, [
      'forwarded-duplicates:fail',
      'forwarded-host-spoof:fail',
      'host-header:fail',
      'ip-spoof:fail',
      'proto-spoof:fail',
    ]);
  });

  test('the command prints both reports and exits by itself with 0', () => {
    const cli = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'demo', '--no-color'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /=== Chain 1: configured right/);
    assert.match(r.stdout, /=== Chain 2: the classic mistakes/);
    assert.match(r.stdout, /12 passed, 0 failed/);
    assert.match(r.stdout, /FAIL proto-spoof: .*\n\s+fix: /);
    assert.ok(!r.stdout.includes('\u001b['));
  });
});
