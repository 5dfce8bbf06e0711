/**
 * The GitHub Action (action.yml) and the pre-commit hook (.pre-commit-hooks.yaml), tested
 * without GitHub: each `run:` step of the composite action runs here as the runner would
 * run it (bash -eo pipefail, inputs substituted, GITHUB_OUTPUT), against a local target;
 * `uses:` steps are checked, not run. The hook is checked with Debian's pre-commit.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { serveApp, type Target } from '../audit/servers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pt-ci-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** proxytrust from this checkout, as the action's `command` input. */
const COMMAND = `${process.execPath} --import ${import.meta.resolve('tsx')} ${join(ROOT, 'src/cli/index.ts')}`;

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}

type Ctx = { inputs: Record<string, string>; steps: Record<string, Record<string, string>> };

function value(expr: string, ctx: Ctx): string {
  const e = expr.trim();
  let m = /^inputs\.([\w-]+)$/.exec(e);
  if (m) return ctx.inputs[m[1]!] ?? '';
  m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
  if (m) return ctx.steps[m[1]!]?.[m[2]!] ?? '';
  throw new Error(`expression the test cannot evaluate: ${e}`);
}

function substitute(text: string, ctx: Ctx): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => value(e, ctx));
}

/** The `if:` forms the action uses: always(), success(), X == 'v', joined with &&. */
function condition(expr: string | undefined, ctx: Ctx, failed: boolean): boolean {
  if (!expr) return !failed;
  let always = false;
  const ok = expr.split('&&').every((term) => {
    const t = term.trim();
    if (t === 'always()') {
      always = true;
      return true;
    }
    if (t === 'success()') return !failed;
    const m = /^(.+?)\s*(==|!=)\s*'([^']*)'$/.exec(t);
    if (!m) throw new Error(`condition the test cannot evaluate: ${t}`);
    return (value(m[1]!, ctx) === m[3]) === (m[2] === '==');
  });
  return ok && (always || !failed);
}

/** Run a command without blocking the event loop (the targets are served by this process). */
function sh(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, opts);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => {
      stdout += d;
    });
    c.stderr.on('data', (d) => {
      stderr += d;
    });
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function runAction(inputs: Record<string, string>, cwd: string) {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
  assert.equal(action.runs.using, 'composite');
  const ctx: Ctx = { inputs: {}, steps: {} };
  for (const [k, v] of Object.entries(action.inputs)) ctx.inputs[k] = inputs[k] ?? v.default ?? '';
  for (const k of Object.keys(inputs)) assert.ok(k in action.inputs, `no input ${k}`);
  let failed = false;
  let failedStatus = 0;
  const ran: string[] = [];
  const used: Step[] = [];
  const logs: string[] = [];
  for (const step of action.runs.steps) {
    if (!condition(step.if, ctx, failed)) continue;
    if (step.uses) {
      used.push({
        ...step,
        with: Object.fromEntries(
          Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]),
        ),
      });
      continue;
    }
    assert.equal(step.shell, 'bash');
    const out = join(dir, `output-${ran.length}`);
    writeFileSync(out, '');
    const script = join(dir, `step-${ran.length}.sh`);
    writeFileSync(script, substitute(step.run!, ctx));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GITHUB_OUTPUT: out,
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(String(v), ctx);
    const r = await sh('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env });
    ran.push(step.name);
    logs.push(`${step.name}: ${r.stdout}${r.stderr}`);
    if (step.id) {
      ctx.steps[step.id] = Object.fromEntries(
        readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    if (r.status !== 0) {
      failed = true;
      failedStatus = r.status ?? 1;
    }
  }
  return { ran, used, failed, failedStatus, ctx, log: logs.join('\n') };
}

function auditArgs(t: Target, caFile: string): string {
  const o = t.options;
  writeFileSync(caFile, o.ca!);
  return [
    '--http-url',
    o.httpUrl!,
    ...o.rules!.resolve.flatMap((r) => ['--resolve', `${r.host}:${r.port}:${r.address}`]),
    '--cacert',
    caFile,
    '--health',
    '/healthz',
    '--csrf-path',
    '/form',
  ].join(' ');
}

describe('action.yml', () => {
  test('a failing target: SARIF written and uploaded, then the action fails with the audit status', async () => {
    const t = await serveApp({ mode: 'naive' });
    after(() => t.stop());
    const work = mkdtempSync(join(dir, 'ws-'));
    const r = await runAction(
      { url: t.options.url, args: auditArgs(t, join(work, 'ca.pem')), command: COMMAND },
      work,
    );
    assert.deepEqual(r.ran, ['proxytrust audit', 'fail when the audit or lint failed']);
    assert.equal(r.ctx.steps.audit?.['exit-code'], '1', r.log);
    assert.equal(r.failed, true);
    assert.equal(r.failedStatus, 1);
    const sarif = JSON.parse(readFileSync(join(work, 'proxytrust-sarif/audit.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0].results.some((x: { kind: string }) => x.kind === 'fail'));
    assert.equal(r.used.length, 1);
    assert.match(r.used[0]!.uses!, /^github\/codeql-action\/upload-sarif@v\d+$/);
    assert.equal(r.used[0]!.with!.sarif_file, 'proxytrust-sarif');
  });

  test('a passing target from proxytrust.json: the action passes; lint runs only when asked', async () => {
    const t = await serveApp();
    after(() => t.stop());
    const work = mkdtempSync(join(dir, 'ws-'));
    writeFileSync(join(work, 'ca.pem'), t.options.ca!);
    writeFileSync(
      join(work, 'proxytrust.json'),
      JSON.stringify({
        targets: [
          {
            url: t.options.url,
            httpUrl: t.options.httpUrl,
            resolve: t.options.rules!.resolve.map((x) => `${x.host}:${x.port}:${x.address}`),
            cacert: 'ca.pem',
            health: ['/healthz'],
            csrfPath: '/form',
          },
        ],
        lint: { paths: ['nginx.conf'] },
      }),
    );
    writeFileSync(
      join(work, 'nginx.conf'),
      'events {}\nhttp { server { listen 80; return 404; } }\n',
    );
    const r = await runAction({ command: COMMAND, 'upload-sarif': 'false' }, work);
    assert.equal(r.ctx.steps.audit?.['exit-code'], '0', r.log);
    assert.equal(r.failed, false);
    assert.equal(r.used.length, 0);
    assert.ok(!r.ran.includes('proxytrust lint'));
    const l = await runAction({ command: COMMAND, lint: 'true', 'upload-sarif': 'false' }, work);
    assert.ok(l.ran.includes('proxytrust lint'));
    assert.equal(l.ctx.steps.lint?.['exit-code'], '0', l.log);
    assert.ok(existsSync(join(work, 'proxytrust-sarif/lint.sarif')), l.log);
  });
});

describe('.pre-commit-hooks.yaml', () => {
  test('a lint hook with language: system that pre-commit accepts and runs', () => {
    const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as {
      id: string;
      entry: string;
      language: string;
    }[];
    const hook = hooks.find((h) => h.id === 'proxytrust-lint');
    assert.ok(hook);
    assert.equal(hook.entry, 'proxytrust lint');
    assert.equal(hook.language, 'system');
    const env = { ...process.env, PRE_COMMIT_HOME: join(dir, 'pre-commit-home') };
    const v = spawnSync('pre-commit', ['validate-manifest', join(ROOT, '.pre-commit-hooks.yaml')], {
      encoding: 'utf8',
      env,
    });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const repo = mkdtempSync(join(dir, 'repo-'));
    const bin = join(repo, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'proxytrust'), `#!/bin/sh\nexec ${COMMAND} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(repo, 'nginx.conf'), 'events {}\nhttp { server { listen 80; } }\n');
    writeFileSync(
      join(repo, 'proxytrust.json'),
      JSON.stringify({ lint: { paths: ['nginx.conf'] } }),
    );
    const git = (...a: string[]) => spawnSync('git', a, { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', 'nginx.conf', 'proxytrust.json');
    const r = spawnSync('pre-commit', ['try-repo', ROOT, 'proxytrust-lint', '--all-files'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.match(r.stdout, /proxytrust lint\.+Passed/, r.stdout + r.stderr);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // The hook can fail: a client-relayed scheme header is an error finding.
    writeFileSync(
      join(repo, 'nginx.conf'),
      'events {}\nhttp { server { listen 80; location / { proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto; proxy_pass http://127.0.0.1:9; } } }\n',
    );
    git('add', 'nginx.conf');
    const bad = spawnSync('pre-commit', ['try-repo', ROOT, 'proxytrust-lint', '--all-files'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...env, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.match(bad.stdout, /proxytrust lint\.+Failed/, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /nginx\/client-header-relayed/, bad.stdout);
  });
});
