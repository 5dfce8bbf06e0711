/** proxytrust.json: strict top-level keys, targets as the fleet file, lint handed over; the schema agrees. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAuditArgs } from '../../src/cli/audit.js';
import { UsageError } from '../../src/cli/usage.js';
import { loadProjectConfig, parseProjectConfig } from '../../src/config/project.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pt-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE = {
  $schema: './node_modules/proxytrust/docs/proxytrust.schema.json',
  targets: [
    {
      url: 'https://staging.example.com/',
      health: ['/healthz'],
      csrfPath: '/login',
      probeSecretEnv: 'PROBE',
    },
    'https://eu.example.com/',
  ],
  lint: { paths: ['deploy/'], failOn: 'high', ignore: [{ rule: 'x', paths: ['a'], reason: 'b' }] },
};

describe('proxytrust.json', () => {
  test('targets become audit targets; lint is handed over as written', () => {
    const f = join(dir, 'proxytrust.json');
    writeFileSync(f, JSON.stringify(EXAMPLE));
    const c = loadProjectConfig(undefined, dir);
    assert.deepEqual(c.lint, EXAMPLE.lint);
    const a = parseAuditArgs(['--config', f, '--timeout', '500'], { PROBE: 'p'.repeat(20) });
    assert.ok(!a.help);
    if (!a.help) {
      assert.deepEqual(
        a.targets.map((t) => [t.url, t.csrfPath, t.probeSecret, t.timeoutMs]),
        [
          ['https://staging.example.com/', '/login', 'p'.repeat(20), 500],
          ['https://eu.example.com/', undefined, undefined, 500],
        ],
      );
    }
  });

  test('strict: unknown keys name the nearest valid key', () => {
    assert.throws(
      () => parseProjectConfig('{"target": []}', 'p.json'),
      /unknown key "target" \(did you mean targets\?\)/,
    );
    assert.throws(
      () => parseProjectConfig('{"targets": {}}', 'p.json'),
      /"targets" must be an array/,
    );
    assert.throws(() => parseProjectConfig('[1]', 'p.json'), UsageError);
    const f = join(dir, 'typo.json');
    writeFileSync(f, JSON.stringify({ targets: [{ url: 'https://a.example/', helth: ['/h'] }] }));
    assert.throws(
      () => parseAuditArgs(['--config', f]),
      /unknown key "helth" \(did you mean health\?\)/,
    );
    assert.throws(
      () => loadProjectConfig(undefined, join(dir, 'nowhere')),
      /no proxytrust\.json in/,
    );
  });

  test('proxytrust audit with no URL reads ./proxytrust.json', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(
      join(cwd, 'proxytrust.json'),
      JSON.stringify({ targets: ['https://127.0.0.1:1/'] }),
    );
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(ROOT, 'src/cli/index.ts'),
        'audit',
        '--timeout',
        '500',
      ],
      { cwd, encoding: 'utf8' },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /UNREACHABLE: target unreachable: connection refused by 127\.0\.0\.1:1/);
  });

  test('docs/proxytrust.schema.json accepts the documented example and rejects what the loader rejects', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/proxytrust.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    assert.ok(validate(EXAMPLE), JSON.stringify(validate.errors));
    const doc = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'docs/config.md has a json example');
    assert.ok(validate(JSON.parse(example)), JSON.stringify(validate.errors));
    assert.equal(validate({ target: [] }), false);
    assert.equal(validate({ targets: [{ url: 'https://a/', helth: [] }] }), false);
  });
});
