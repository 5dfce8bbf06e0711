/** `proxytrust audit` on the command line: options, formats, --output, fleet mode, exit codes 0/1/2/3. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAuditArgs, parseTargetsFile, runAudit } from '../../src/cli/audit.js';
import { run as main } from '../../src/cli/index.js';
import { UsageError } from '../../src/cli/usage.js';
import { SECRET, serveApp, type Target } from '../audit/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'pt-audit-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const caFile = join(dir, 'ca.pem');

function argsFor(t: Target): string[] {
  const o = t.options;
  writeFileSync(caFile, o.ca!);
  return [
    o.url,
    '--http-url',
    o.httpUrl!,
    ...o.rules!.resolve.flatMap((r) => ['--resolve', `${r.host}:${r.port}:${r.address}`]),
    '--cacert',
    caFile,
    '--health',
    '/healthz',
    '--csrf-path',
    '/form',
    '--timeout',
    '3000',
  ];
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['audit', ...argv],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  void env;
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('proxytrust audit (CLI)', () => {
  test('right target: exit 0, text table', async () => {
    const t = await serveApp();
    after(() => t.stop());
    const r = await run([...argv(t), '--probe-secret', SECRET]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /12 passed, 0 failed/);
  });

  test('wrong target: exit 1; json, junit, sarif and --output', async () => {
    const t = await serveApp({ mode: 'naive' });
    after(() => t.stop());
    const json = await run([...argv(t), '--format', 'json']);
    assert.equal(json.code, 1);
    const doc = JSON.parse(json.out);
    assert.equal(doc.schema, 'proxytrust-audit/1');
    assert.equal(
      doc.targets[0].results.find((r: { id: string }) => r.id === 'host-header').status,
      'fail',
    );
    const junit = await run([...argv(t), '--format', 'junit', '--only', 'host-header']);
    assert.match(junit.out, /^<\?xml/);
    assert.match(junit.out, /<failure /);
    const file = join(dir, 'report.sarif');
    const sarif = await run([...argv(t), '--format', 'sarif', '--output', file]);
    assert.equal(sarif.code, 1);
    assert.equal(sarif.out, '');
    assert.match(sarif.err, /report in .*report\.sarif/);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, '2.1.0');
  });

  test('the probe secret comes from PROXYTRUST_PROBE_SECRET too', async () => {
    const t = await serveApp();
    after(() => t.stop());
    const out: string[] = [];
    const code = await runAudit([...argv(t), '--format', 'json', '--only', 'scheme-detection'], {
      out: (s) => out.push(s),
      err: () => {},
      env: { PROXYTRUST_PROBE_SECRET: SECRET },
    });
    assert.equal(code, 0);
    assert.equal(JSON.parse(out.join('')).targets[0].results[0].status, 'pass');
  });

  test('unreachable target: exit 3', async () => {
    const r = await run(['https://127.0.0.1:1/', '--timeout', '500']);
    assert.equal(r.code, 3);
    assert.match(r.out, /UNREACHABLE: target unreachable: connection refused/);
  });

  test('usage errors: exit 2, one line', async () => {
    for (const bad of [
      [],
      ['http://plain.example/'],
      ['https://a.example/', '--format', 'xml'],
      ['https://a.example/', '--only', 'nope'],
      ['https://a.example/', '--resolve', 'bad'],
      ['https://a.example/', '--connect-to', 'a:b'],
      ['https://a.example/', '--timeout', 'soon'],
      ['https://a.example/', '--probe-secret', 'short'],
      ['https://a.example/', '--health', 'no-slash'],
      ['https://a.example/', '--cacert', join(dir, 'missing.pem')],
      ['https://a.example/', '--bogus'],
      ['https://a.example/', '--targets', caFile],
    ]) {
      const r = await run(bad);
      assert.equal(r.code, 2, `${bad.join(' ')} -> ${r.code} ${r.err}`);
      assert.match(r.err, /^proxytrust: /);
      assert.equal(r.err.split('\n').length, 1);
    }
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--connect-to/);
  });

  test('fleet: lines and JSON with per-target options; a summary per target and overall', async () => {
    const a = await serveApp();
    const b = await serveApp({ mode: 'naive' });
    after(() => Promise.all([a.stop(), b.stop()]));
    const spec = (t: Target, extra: object = {}) => ({
      url: t.options.url,
      httpUrl: t.options.httpUrl,
      resolve: t.options.rules!.resolve.map((r) => `${r.host}:${r.port}:${r.address}`),
      cacert: caFile,
      health: ['/healthz'],
      csrfPath: '/form',
      ...extra,
    });
    writeFileSync(caFile, a.options.ca!);
    const jsonFile = join(dir, 'targets.json');
    writeFileSync(
      jsonFile,
      JSON.stringify({ targets: [spec(a, { probeSecretEnv: 'MY_SECRET' }), spec(b)] }),
    );
    const out: string[] = [];
    const code = await runAudit(['--targets', jsonFile, '--concurrency', '2'], {
      out: (s) => out.push(s),
      err: () => {},
      env: { MY_SECRET: SECRET },
    });
    assert.equal(code, 1);
    const text = out.join('\n');
    assert.match(text, /Fleet: 2 targets: 1 OK, 1 FAIL/);
    assert.match(text, new RegExp(`OK\\s+${a.options.url.replace(/[.]/g, '\\.')}\\s+12 passed`));
    assert.match(text, /FAIL\s+https:\/\/app\.test:\d+\/\s+\d+ passed, [1-9]/);
    assert.match(text, /Checks over all targets: /);

    const lines = parseTargetsFile(
      '# staging\nhttps://a.example/\n\nhttps://b.example/x  # second\n',
      { timeoutMs: 5 },
    );
    assert.deepEqual(
      lines.map((t) => [t.url, t.timeoutMs]),
      [
        ['https://a.example/', 5],
        ['https://b.example/x', 5],
      ],
    );
    assert.throws(
      () => parseTargetsFile('[{"url":"https://a.example/","nope":1}]', {}),
      UsageError,
    );
    assert.throws(() => parseTargetsFile('[{"url":"http://a.example/"}]', {}), /not an https/);
    assert.throws(() => parseTargetsFile('  \n# nothing\n', {}), /no target/);
    assert.throws(
      () => parseAuditArgs(['https://a.example/', '--targets', jsonFile]),
      /either a URL or --targets/,
    );
  });
});

const argv = argsFor;
