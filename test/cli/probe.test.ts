import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src', 'cli', 'index.ts');

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

const FILES = {
  django: 'probes/django/proxytrust_probe.py',
  wsgi: 'probes/wsgi/proxytrust_wsgi_probe.py',
  asgi: 'probes/asgi/proxytrust_asgi_probe.py',
} as const;

describe('proxytrust probe', () => {
  for (const [kind, file] of Object.entries(FILES)) {
    test(`${kind}: stdout is the shipped file byte for byte, install steps on stderr`, () => {
      // Through a real process, as `proxytrust probe ${kind} > file` is used.
      const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'probe', kind], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(join(ROOT, file), 'utf8'));
      assert.match(r.stderr, /PROXYTRUST_PROBE_SECRET/);
      assert.match(r.stderr, new RegExp(`proxytrust probe ${kind} > `));
    });
    test(`${kind}: --path names the file in the package`, () => {
      const r = run('probe', kind, '--path');
      assert.equal(r.code, 0);
      assert.equal(r.out.trim(), join(ROOT, file));
    });
  }

  test('django: the install steps say to put it first in MIDDLEWARE', () => {
    const r = run('probe', 'django');
    assert.match(r.err, /FIRST in MIDDLEWARE/);
    assert.match(r.err, /"proxytrust_probe\.ProxytrustProbeMiddleware", \*MIDDLEWARE/);
  });

  test('node: prints how to use proxytrust/probe with Express, Fastify and Koa', () => {
    const r = run('probe', 'node');
    assert.equal(r.code, 0);
    for (const s of ["from 'proxytrust/probe'", 'expressProbe()', 'fastifyProbe()', 'koaProbe()']) {
      assert.ok(r.out.includes(s), s);
    }
  });

  test('--help, and usage errors (exit 2) that name the valid kinds', () => {
    const h = run('probe', '--help');
    assert.equal(h.code, 0);
    assert.match(h.out, /Usage: proxytrust probe <django\|wsgi\|asgi\|node>/);
    for (const argv of [
      ['probe', 'rails'],
      ['probe'],
      ['probe', 'django', 'wsgi'],
      ['probe', '--nope'],
    ]) {
      const r = run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, /^proxytrust: /);
    }
    assert.match(
      run('probe', 'rails').err,
      /unknown kind "rails"; valid kinds: django, wsgi, asgi, node/,
    );
    assert.match(run('probe').err, /one of django, wsgi, asgi, node/);
    assert.match(run('--help').out, /probe {6}print a probe/);
  });

  test('the npm package ships the probe files and exports proxytrust/probe', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['./probe'], {
      import: { types: './dist/probe/index.d.ts', default: './dist/probe/index.js' },
      require: { types: './dist/cjs/probe/index.d.ts', default: './dist/cjs/probe/index.js' },
    });
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const paths = new Set(packed[0]!.files.map((f) => f.path));
    for (const file of Object.values(FILES))
      assert.ok(paths.has(file), `${file} is in the package`);
    assert.ok(paths.has('docs/probe-protocol.md'));
  });
});
