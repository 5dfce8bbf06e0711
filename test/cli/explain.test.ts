import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

/** Run the CLI in-process; returns exit code and output. */
function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(
    argv,
    (s) => {
      out += `${s}\n`;
    },
    (s) => {
      err += `${s}\n`;
    },
  );
  return { code, out, err };
}

describe('proxytrust explain', () => {
  test('the duplicated-proto example: https, with DUPLICATED_VALUES', () => {
    const r = run(
      'explain',
      '--peer',
      '127.0.0.1',
      '-H',
      'Host: app.example.com',
      '-H',
      'X-Forwarded-Proto: https',
      '-H',
      'X-Forwarded-Proto: https',
      '--trust',
      'loopback',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /scheme +https +from x-forwarded-proto/);
    assert.match(r.out, /DUPLICATED_VALUES/);
    assert.match(r.out, /DUPLICATE_HEADER_LINES: x-forwarded-proto arrived on 2 lines/);
  });
  test('a spoof attempt from an untrusted peer', () => {
    const r = run(
      'explain',
      '--peer',
      '198.51.100.99',
      '-H',
      'Host: app.example.com',
      '-H',
      'X-Forwarded-For: 1.2.3.4',
      '-H',
      'X-Forwarded-Proto: https',
      '--trust',
      'loopback,10.0.0.0/8',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /NOT trusted: forwarded headers ignored/);
    assert.match(r.out, /client +198\.51\.100\.99 +from the socket/);
    assert.match(r.out, /UNTRUSTED_FORWARDED/);
  });
  test('--json prints the view, the trace and the policy warnings', () => {
    const r = run(
      'explain',
      '--json',
      '--peer',
      '10.0.0.5',
      '-H',
      'Host: internal',
      '-H',
      'X-Forwarded-For: 203.0.113.7',
      '-H',
      'X-Forwarded-Host: app.example.com',
      '--trust',
      '0.0.0.0/0',
      '--headers',
      'x-forwarded-for,x-forwarded-host',
    );
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.view.clientIp, '203.0.113.7');
    assert.equal(j.view.host, 'app.example.com');
    assert.equal(typeof j.trace, 'string');
    assert.deepEqual(
      j.policyWarnings.map((w: { code: string }) => w.code),
      ['TRUST_ALL'],
    );
  });
  test('prints which headers the policy believes (and no others are read)', () => {
    const r = run(
      'explain',
      '--peer',
      '127.0.0.1',
      '-H',
      'Host: app.example.com',
      '-H',
      'Forwarded: for=6.6.6.6;proto=https',
      '--trust',
      'loopback',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /believe x-forwarded-for, x-forwarded-proto\b/);
    assert.match(r.out, /believed headers: x-forwarded-for, x-forwarded-proto/);
    assert.match(r.out, /scheme +http +from the socket/);
    const named = run(
      'explain',
      '--peer',
      '127.0.0.1',
      '-H',
      'Host: app.example.com',
      '--trust',
      'loopback',
      '--headers',
      'forwarded,cloudflare',
    );
    assert.match(named.out, /believe forwarded, cf-connecting-ip, cf-visitor\b/);
    const typo = run('explain', '--peer', '127.0.0.1', '--headers', 'x-forwarded-fro');
    assert.equal(typo.code, 2);
    assert.match(typo.err, /did you mean "x-forwarded-for"/);
  });
  test('--examples prints every worked example with its command line', () => {
    const r = run('explain', '--examples');
    assert.equal(r.code, 0, r.err);
    assert.equal((r.out.match(/^=== Example \d+:/gm) ?? []).length, 4);
    assert.match(r.out, /\$ proxytrust explain --peer 127\.0\.0\.1 -H 'Host: app\.example\.com' /);
  });
  test('usage errors exit 2 with a message, never a stack', () => {
    for (const argv of [
      ['explain'],
      ['explain', '--peer', '1.2.3.4', '--trust', '10.0.0.0/33'],
      ['explain', '--peer', '1.2.3.4', '--trust', 'cloudflair'],
      ['explain', '--peer', '1.2.3.4', '-H', 'no colon'],
      ['explain', '--peer', '1.2.3.4', '--bogus'],
      ['explain', '--peer', '1.2.3.4', '--headers', 'x-forwarded-fro'],
      ['frobnicate'],
    ]) {
      const r = run(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')} -> ${r.out}${r.err}`);
      assert.match(r.err, /^proxytrust: /);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    }
  });
  test('--help', () => {
    const r = run('explain', '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: proxytrust explain/);
  });
  test('the bin runs as a process (exit status and stdout)', () => {
    const p = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'explain',
        '--peer',
        '127.0.0.1',
        '-H',
        'Host: a.example',
        '--trust',
        'loopback',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /hop 0 {2}127\.0\.0\.1/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'explain'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
  });
});
