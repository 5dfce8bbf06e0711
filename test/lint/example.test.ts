/**
 * examples/lint/: the documented commands give the documented findings. The broken Django
 * deployment gets exactly the findings examples/lint/README.md lists (exit 1), with the
 * chain inferred and with it declared; the fixed one gets none (exit 0).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join('examples', 'lint', 'django-behind-nginx');

function lint(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/index.ts', 'lint', '--format', 'json', ...args],
    { cwd: root, encoding: 'utf8' },
  );
  const report = JSON.parse(r.stdout) as {
    results: { findings: { rule: string; file: string; line: number }[] }[];
    chains?: { hops: { file: string }[] }[];
    notes?: string[];
  };
  const found = [
    ...new Set(
      report.results.flatMap((x) =>
        x.findings.map((f) => `${f.rule} ${f.file.split('/').pop()}:${f.line}`),
      ),
    ),
  ].sort();
  return { status: r.status, found, report };
}

const BROKEN = [
  'appserver/forwarded-allow-ips-all gunicorn.conf.py:3',
  'cross/trust-wider-than-proxies gunicorn.conf.py:3',
  'cross/unwritten-header-believed gunicorn.conf.py:1',
  'cross/unwritten-header-believed settings.py:7',
  'django/allowed-hosts-wildcard settings.py:1',
  'django/redirect-without-health-exempt settings.py:8',
  'nginx/forwarded-header-passthrough nginx.conf:12',
  'nginx/forwarded-header-passthrough nginx.conf:22',
  'nginx/host-without-default-server nginx.conf:21',
  'nginx/host-without-default-server nginx.conf:9',
  'nginx/scheme-header-only-in-tls nginx.conf:22',
  'nginx/xff-append-at-edge nginx.conf:11',
];

describe('examples/lint: Django behind nginx', () => {
  test('broken: exactly the findings the README lists, chain inferred (exit 1)', () => {
    const r = lint(join(dir, 'broken'));
    assert.equal(r.status, 1);
    assert.deepEqual(r.found, BROKEN);
    assert.deepEqual(r.report.notes ?? [], [], 'requirements.txt gives the Django version');
    const readme = readFileSync(join(root, 'examples', 'lint', 'README.md'), 'utf8');
    for (const rule of new Set(BROKEN.map((f) => f.split(' ')[0]!)))
      assert.ok(readme.includes(`\`${rule}\``), `README lists ${rule}`);
  });

  test('broken: the same with the chain declared', () => {
    const b = (f: string) => join(dir, 'broken', f);
    const r = lint(
      '--chain',
      [b('nginx.conf'), b('gunicorn.conf.py'), b('settings.py')].join(','),
      join(dir, 'broken'),
    );
    assert.equal(r.status, 1);
    assert.deepEqual(r.found, BROKEN);
  });

  test('fixed: nothing, and the chain was checked (exit 0)', () => {
    const r = lint(join(dir, 'fixed'));
    assert.equal(r.status, 0);
    assert.deepEqual(r.found, []);
    assert.equal(r.report.chains?.[0]?.hops.length, 3);
  });
});
