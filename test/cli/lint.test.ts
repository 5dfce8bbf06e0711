/** `proxytrust lint` on the command line: files, directories, stdin; four formats; exit codes 0/1/2/3. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import { main } from '../../src/cli/index.js';
import { runLint } from '../../src/cli/lint.js';

const dir = mkdtempSync(join(tmpdir(), 'pt-lint-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const BAD =
  'server {\n  listen 80;\n  set_real_ip_from 0.0.0.0/0;\n  real_ip_header X-Forwarded-For;\n}\n';
const WARN = 'server {\n  listen 80;\n  set_real_ip_from 10.0.0.0/8;\n}\n';
const GOOD = 'server {\n  listen 80;\n  return 301 https://example.com$request_uri;\n}\n';

function run(argv: string[], stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  let code: number;
  try {
    code = runLint(argv, {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      ...(stdin !== undefined ? { stdin: () => stdin } : {}),
    });
  } catch (e) {
    code = (e as Error).name === 'UsageError' ? 2 : 70;
    err.push((e as Error).message);
  }
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('proxytrust lint (CLI)', () => {
  test('exit 0 on a clean file, 1 on an error finding; --fail-on moves the bar', () => {
    assert.equal(run([put('good.conf', GOOD)]).code, 0);
    const bad = run([put('bad.conf', BAD)]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /bad\.conf:3:3 ERROR\s+nginx\/real-ip-trust-all/);
    assert.match(bad.out, /fix: List only your load balancers/);
    const warn = put('warn.conf', WARN);
    assert.equal(run([warn]).code, 0);
    assert.equal(run([warn, '--fail-on', 'warning']).code, 1);
  });

  test('exit 2 on usage errors, 3 on an unreadable file', () => {
    assert.equal(run(['--format', 'xml', put('g2.conf', GOOD)]).code, 2);
    assert.equal(run([]).code, 2);
    assert.equal(run(['-']).code, 2);
    assert.equal(run(['--bogus']).code, 2);
    assert.equal(run(['--context', 'stream', '-', '--kind', 'nginx']).code, 2);
    const e = run([join(dir, 'no-such.conf')]);
    assert.equal(e.code, 3);
    assert.match(e.err, /cannot read .*no-such\.conf: ENOENT/);
    if (process.getuid?.() !== 0) {
      const locked = put('locked.conf', GOOD);
      chmodSync(locked, 0o000);
      assert.equal(run([locked]).code, 3);
    }
  });

  test('via main(): the command is registered', () => {
    const out: string[] = [];
    assert.equal(
      main(
        ['lint', '--help'],
        (s) => out.push(s),
        () => {},
      ),
      0,
    );
    assert.match(out.join(''), /Usage: proxytrust lint/);
    assert.equal(
      main(
        ['lint', '--format', 'nope', 'x'],
        () => {},
        () => {},
      ),
      2,
    );
  });

  test('directories: kinds recognised by name and content; other files skipped', () => {
    put('tree/nginx/sites-available/shop', BAD);
    put(
      'tree/deploy/cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  use-forwarded-headers: "true"\n',
    );
    put('tree/deploy/app.yaml', 'apiVersion: apps/v1\nkind: Deployment\n');
    put('tree/README.md', '# nothing');
    const r = run([join(dir, 'tree'), '--format', 'json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.out);
    assert.equal(doc.schema, 'proxytrust-lint/1');
    assert.deepEqual(doc.results.map((x: { kind: string }) => x.kind).sort(), [
      'ingress-nginx',
      'nginx',
    ]);
    const rules = doc.results
      .flatMap((x: { findings: { rule: string }[] }) => x.findings.map((f) => f.rule))
      .sort();
    assert.deepEqual(rules, [
      'ingress-nginx/forwarded-headers-trust-all',
      'nginx/real-ip-trust-all',
    ]);
  });

  test('stdin with --kind (nginx -T | proxytrust lint --kind nginx -; kubectl ... | --kind ingress-nginx -)', () => {
    const n = run(['--kind', 'nginx', '-'], BAD);
    assert.equal(n.code, 1);
    assert.match(n.out, /-:3:3 ERROR/);
    const y = run(
      ['--kind', 'ingress-nginx', '-'],
      'kind: ConfigMap\ndata:\n  use-forwarded-headers: "true"\n',
    );
    assert.equal(y.code, 1);
    assert.match(y.out, /forwarded-headers-trust-all/);
  });

  test('junit and --output; SARIF validates against the OASIS 2.1.0 schema', () => {
    const bad = put('s/bad.conf', BAD);
    const j = run([bad, '--format', 'junit']);
    assert.match(j.out, /^<\?xml/);
    assert.match(j.out, /<testcase name="nginx\/real-ip-trust-all"[^>]*>\s*<failure /);
    const file = join(dir, 'lint.sarif');
    const s = run([bad, '--format', 'sarif', '--output', file]);
    assert.equal(s.code, 1);
    assert.equal(s.out, '');
    assert.match(s.err, /report in .*lint\.sarif/);
    const log = JSON.parse(readFileSync(file, 'utf8')) as {
      runs: {
        results: {
          ruleId: string;
          ruleIndex: number;
          locations: { physicalLocation: { region: { startLine: number } } }[];
        }[];
        tool: { driver: { rules: { id: string }[] } };
      }[];
    };
    const schema = JSON.parse(
      readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
    );
    const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
    const addFormats =
      (formatsModule as unknown as { default: typeof formatsModule }).default ?? formatsModule;
    const ajv = new (Ajv as unknown as new (o: object) => import('ajv').default)({
      allErrors: true,
      strict: false,
    });
    (addFormats as unknown as (a: unknown) => void)(ajv);
    const validate = ajv.compile(schema);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const result = log.runs[0]!.results[0]!;
    assert.equal(result.ruleId, 'nginx/real-ip-trust-all');
    assert.equal(log.runs[0]!.tool.driver.rules[result.ruleIndex]!.id, result.ruleId);
    assert.equal(result.locations[0]!.physicalLocation.region.startLine, 3);
    assert.ok(!validate({ ...log, version: '2.0.0' }), 'the validator rejects a broken log');
  });

  test('--config reads the lint section; flags override it', () => {
    const bad = put('c/bad.conf', BAD);
    const cfg = put(
      'c/proxytrust.json',
      JSON.stringify({
        targets: [],
        lint: {
          paths: [bad],
          failOn: 'error',
          ignore: [{ rule: 'nginx/real-ip-trust-all', reason: 'lab only' }],
        },
      }),
    );
    assert.equal(run(['--config', cfg]).code, 0);
    const bogus = put('c/bad.json', JSON.stringify({ lint: { paths: [bad], ignor: [] } }));
    const r = run(['--config', bogus]);
    assert.equal(r.code, 2);
    assert.match(r.err, /did you mean "ignore"/);
  });
});
