/**
 * The command line holds up: usage errors are errors (exit 2, one line in the CLI's own
 * words), help is per command, progress shows in CI logs, and a closed pipe is quiet.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pt-usage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function usageError(argv: string[], re: RegExp) {
  const r = await cli(...argv);
  assert.equal(r.code, 2, `${JSON.stringify(argv)} -> ${r.code}: ${r.out}${r.err}`);
  assert.equal(r.err.split('\n').length, 1, r.err);
  assert.match(r.err, /^proxytrust: /);
  assert.match(r.err, re);
  assert.doesNotMatch(r.err, /To specify a positional|is not iterable|TypeError| at .*:\d+:\d+/);
  return r.err;
}

describe('usage errors are errors', () => {
  test('--only and --skip that leave nothing to run', async () => {
    await usageError(
      ['audit', 'https://a.example/', '--only', 'hsts', '--skip', 'hsts'],
      /selection is empty/,
    );
  });

  test('probeSecretEnv naming an unset variable: exit 2, naming that variable', async () => {
    const f = join(dir, 'targets.json');
    writeFileSync(
      f,
      JSON.stringify({
        targets: [
          { url: 'https://a.example/', probeSecretEnv: 'EU_PROBE_SECRET' },
          'https://b.example/',
        ],
      }),
    );
    const e = await usageError(['audit', '--targets', f], /EU_PROBE_SECRET/);
    assert.doesNotMatch(e, /PROXYTRUST_PROBE_SECRET/);
  });

  test('explain: --peer must be an address; hop counts are digits; trust names exist; one -H is one line', async () => {
    await usageError(['explain', '--peer', 'hello'], /--peer needs an IP address/);
    for (const n of ['0x10', '1e1', '', ' 3', '-1', '1.5']) {
      await usageError(
        ['explain', '--peer', '10.0.0.1', '--unsafe-hop-count', n],
        /--unsafe-hop-count/,
      );
    }
    await usageError(
      ['explain', '--peer', '10.0.0.1', '--trust', '__proto__'],
      /unknown name "__proto__"/,
    );
    await usageError(['explain', '--peer', '10.0.0.1', '--trust', 'constructor'], /unknown name/);
    await usageError(
      [
        'explain',
        '--peer',
        '10.0.0.1',
        '-H',
        'X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https',
      ],
      /control characters/,
    );
    const ok = await cli(
      'explain',
      '--peer',
      '[::1]',
      '--unsafe-hop-count',
      '2',
      '--trust',
      'loopback',
    );
    assert.equal(ok.code, 0, ok.err);
  });
});

describe('messages', () => {
  test('unknown options name the nearest valid option, in the CLI words', async () => {
    await usageError(
      ['audit', 'https://a.example/', '--formt', 'json'],
      /unknown option --formt \(did you mean --format\?\)/,
    );
    await usageError(
      ['explain', '--per', '1.2.3.4'],
      /unknown option --per \(did you mean --peer\?\)/,
    );
    await usageError(['audit', 'https://a.example/', '--format'], /--format needs a value/);
    await usageError(['adit'], /unknown command "adit" \(did you mean audit\?\)/);
  });

  test('a mistyped preset lists the valid names', async () => {
    const e = await usageError(
      ['explain', '--peer', '10.0.0.1', '--trust', 'cloudflar'],
      /did you mean cloudflare\?/,
    );
    assert.match(e, /cloudfront/);
    assert.match(e, /loopback/);
  });

  test('top-level help lists the commands; each command help covers only that command', async () => {
    const top = await cli('--help');
    assert.equal(top.code, 0);
    for (const c of ['explain', 'audit', 'demo'])
      assert.match(top.out, new RegExp(`^  ${c} `, 'm'));
    assert.doesNotMatch(top.out, /--peer|--connect-to/);
    const audit = await cli('audit', '--help');
    assert.match(audit.out, /--connect-to/);
    assert.doesNotMatch(audit.out, /--peer/);
    const explain = await cli('explain', '--help');
    assert.match(explain.out, /--peer/);
    assert.doesNotMatch(explain.out, /--connect-to/);
    assert.equal((await cli('help', 'audit')).out, audit.out);
    const none = await cli();
    assert.equal(none.code, 2);
    assert.match(none.err, /Commands:/);
  });

  test('fleet: a progress line per target on stderr (no TTY); summaries count targets and checks apart', async () => {
    const f = join(dir, 'down.txt');
    writeFileSync(f, 'https://127.0.0.1:1/\nhttps://127.0.0.1:2/\n');
    const out = join(dir, 'report.json');
    const r = await cli(
      'audit',
      '--targets',
      f,
      '--timeout',
      '500',
      '--format',
      'json',
      '--output',
      out,
    );
    assert.equal(r.code, 3);
    const lines = r.err.split('\n');
    assert.match(
      lines[0]!,
      /^\[[12]\/2\] UNREACHABLE https:\/\/127\.0\.0\.1:[12]\/ \(target unreachable: connection refused/,
    );
    assert.match(lines[1]!, /^\[2\/2\] UNREACHABLE /);
    assert.doesNotMatch(r.err, /target\(s\)/);
    assert.match(
      lines[2]!,
      /^proxytrust audit: 2 targets: 2 UNREACHABLE; checks: 0 passed, 0 failed, 24 errors; report in /,
    );
  });
});

describe('pipes', () => {
  test('output piped into head ends quietly, without an EPIPE stack trace', () => {
    const f = join(dir, 'many.txt');
    writeFileSync(f, 'https://127.0.0.1:1/\n'.repeat(40));
    const r = spawnSync(
      'bash',
      [
        '-c',
        `node --import tsx src/cli/index.ts audit --targets "${f}" --timeout 500 --format json --verbose 2>"${dir}/err.txt" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "${dir}/err.txt"`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const [status, ...rest] = r.stdout.split('\n');
    const stderr = rest.join('\n');
    assert.doesNotMatch(stderr, /EPIPE|Error| {4}at /, stderr);
    assert.ok(status === '141' || status === '3', `exit ${status}`);
  });
});
