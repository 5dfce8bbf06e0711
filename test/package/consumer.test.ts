/**
 * The package as users install it: `npm pack`, then a real project outside the repository
 * installs the tarball and loads every entry point with require() (CommonJS) and import
 * (ESM), and TypeScript resolves the declarations in node16 (CommonJS and ESM), bundler and
 * node10 modes. publint and @arethetypeswrong/cli judge the packed package.
 *
 * It reads the build in dist/ (`node scripts/build.mjs`; `npm test` builds first).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test', 'fixtures', 'consumer');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

let work = '';
let tarball = '';
let project = '';

function run(cmd: string, args: string[], cwd: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  if (!existsSync(join(root, 'dist', 'cjs', 'package.json'))) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  work = mkdtempSync(join(tmpdir(), 'proxytrust-pack-'));
  const packed = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  project = join(work, 'consumer');
  cpSync(fixture, project, { recursive: true });
  // The tarball's own dependencies come from npm's cache (`npm ci` filled it).
  const install = run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', tarball],
    project,
  );
  assert.equal(install.status, 0, install.out);
  // Type packages the declarations refer to, from the repository's own install.
  for (const dep of [
    '@types/node',
    '@types/express',
    '@types/koa',
    'fastify',
    'hono',
    'koa',
    'express',
  ]) {
    const target = join(project, 'node_modules', dep);
    if (existsSync(target)) continue;
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), target, 'dir');
  }
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball ships a LICENSE and no source map that points at an unshipped file', () => {
  const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  assert.ok(listed.includes('package/LICENSE'), 'LICENSE is packed');
  const maps = listed.filter((f) => f.endsWith('.map'));
  assert.deepEqual(maps, [], 'no source maps (they would point at src/, which is not shipped)');
  const installed = join(project, 'node_modules', 'proxytrust', 'dist');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  const mapped = walk(installed).filter((f) =>
    /sourceMappingURL=/.test(execFileSync('tail', ['-c', '200', f], { encoding: 'utf8' })),
  );
  assert.deepEqual(mapped, [], 'no file names a source map');
});

test('require() loads every entry point from a CommonJS project', () => {
  const r = run(process.execPath, ['require-all.cjs'], project);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /every subpath from CommonJS/);
});

test('import loads every entry point from an ES module', () => {
  const r = run(process.execPath, ['import-all.mjs'], project);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /every subpath from ESM/);
});

for (const mode of ['node16-cjs', 'node16-esm', 'bundler', 'node10']) {
  test(`TypeScript resolves the declarations (${mode})`, () => {
    const r = run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${mode}.json`],
      project,
    );
    assert.equal(r.status, 0, r.out);
  });
}

test('a type error in the consumer is reported (the type check can fail)', () => {
  writeFileSync(
    join(project, 'bad.ts'),
    "import { compilePolicy, resolve } from 'proxytrust';\n" +
      "export const n: number = resolve(compilePolicy({}), { peer: '', headers: {} }).scheme;\n",
  );
  writeFileSync(
    join(project, 'tsconfig.bad.json'),
    JSON.stringify({ extends: './tsconfig.node16-cjs.json', files: ['bad.ts'] }),
  );
  const r = run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bad.json'],
    project,
  );
  assert.notEqual(r.status, 0);
  assert.match(r.out, /bad\.ts.*TS2322/);
});

test('publint finds nothing', () => {
  const r = run(bin('publint'), ['--strict'], root);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /All good/);
});

test('@arethetypeswrong/cli finds no problem in any entry point or module mode', () => {
  const r = run(bin('attw'), [tarball, '--format', 'json'], root);
  const report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as {
    analysis: { problems: unknown[]; entrypoints: Record<string, unknown> };
  };
  assert.deepEqual(report.analysis.problems, []);
  assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), [
    '.',
    './express',
    './fastify',
    './hono',
    './identity',
    './koa',
    './node',
    './package.json',
    './probe',
    './proxy-protocol',
  ]);
  assert.equal(r.status, 0, r.out);
});
