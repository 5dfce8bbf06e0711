/**
 * Integrity of the hand-labelled lint corpus (test/lint/corpus/): every file is labelled and
 * every label names a file, every file has its source (repository, path, commit, licence) and
 * its licence notice, rule ids come from the fixed list, lines are inside their files and the
 * verdicts agree with the expected findings. Independent of the lint engine.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./corpus/', import.meta.url));

/** The rule ids of issues 20 and 21; labels may use no other. */
const RULES = new Set([
  'nginx/duplicate-proxy-set-header',
  'nginx/proxy-set-header-inheritance',
  'nginx/client-header-relayed',
  'nginx/tls-proxy-without-scheme',
  'nginx/scheme-header-only-in-tls',
  'nginx/xff-append-at-edge',
  'nginx/forwarded-header-passthrough',
  'nginx/real-ip-trust-all',
  'nginx/real-ip-default-header',
  'nginx/host-without-default-server',
  'ingress-nginx/forwarded-headers-trust-all',
  'ingress-nginx/snippet-duplicate-header',
  'ingress-nginx/more-set-headers-request',
  'ingress-nginx/configmap-key-as-annotation',
  'lint/parse-error',
  'haproxy/add-header-forwarded',
  'haproxy/scheme-header-not-forced',
  'haproxy/forwardfor-at-edge',
  'haproxy/forwarded-not-cleared',
  'caddy/trusted-proxies-all',
  'caddy/header-up-client-copy',
  'apache/client-ip-headers-not-cleared',
  'apache/remoteip-trust-all',
  'apache/ssl-vhost-without-scheme',
  'django/allowed-hosts-wildcard',
  'django/proxy-ssl-header-name',
  'django/proxy-ssl-header-value',
  'django/ssl-redirect-without-scheme',
  'django/redirect-without-health-exempt',
  'django/hsts-without-https',
  'django/csrf-origins-without-scheme',
  'appserver/forwarded-allow-ips-all',
  'appserver/gunicorn-scheme-header-case',
  'express/trust-proxy-true',
  'cross/unwritten-header-believed',
  'cross/leftmost-xff-behind-append',
  'cross/scheme-header-mismatch',
  'cross/trust-wider-than-proxies',
  'cross/hsts-twice',
]);
const KINDS = new Set([
  'nginx',
  'ingress-nginx',
  'haproxy',
  'caddy',
  'apache',
  'django',
  'gunicorn',
  'uvicorn',
  'uwsgi',
  'compose',
  'express',
]);
const SEVERITIES = new Set(['error', 'warning']);
const CONTEXTS = new Set(['http', 'server', 'location']);
/** Files of the corpus itself, not corpus entries. */
const META = new Set(['README.md', 'SOURCES.md', 'labels.json', '.gitattributes']);

interface Expected {
  rule: string;
  severity: string;
  line: number;
  why: string;
  file?: string;
}
interface FileLabel {
  kind: string;
  verdict: string;
  context?: string;
  expected: Expected[];
  note?: string;
}
interface Group {
  name: string;
  files: string[];
  chain: string[];
  expected: Expected[];
}
interface Labels {
  files: Record<string, FileLabel>;
  groups: Group[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

/** Corpus entries: every file except the corpus's own metadata and LICENSES/. */
function corpusFiles(): string[] {
  return walk(root)
    .filter((f) => !META.has(f) && !f.startsWith('LICENSES/'))
    .sort();
}

/** Lines as an editor numbers them: a final newline does not start another line. */
function lineCount(file: string): number {
  const text = readFileSync(join(root, file), 'latin1');
  if (text.length === 0) return 0;
  const parts = text.split('\n');
  return text.endsWith('\n') ? parts.length - 1 : parts.length;
}

interface SourceRow {
  file: string;
  repo: string;
  path: string;
  commit: string;
  licence: string;
  note: string;
}

function sourceRows(): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const line of readFileSync(join(root, 'SOURCES.md'), 'utf8').split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim().replace(/^`|`$/g, ''));
    assert.equal(cells.length, 6, `SOURCES.md row has six cells: ${line}`);
    const [file, repo, path, commit, licence, note] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    rows.push({ file, repo, path, commit, licence, note });
  }
  return rows;
}

const labels = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as Labels;

function checkExpected(where: string, e: Expected, file: string) {
  assert.ok(RULES.has(e.rule), `${where}: unknown rule id ${e.rule}`);
  assert.ok(SEVERITIES.has(e.severity), `${where}: severity ${e.severity}`);
  assert.ok(Number.isInteger(e.line) && e.line >= 1, `${where}: line ${e.line}`);
  const n = lineCount(file);
  assert.ok(e.line <= n, `${where}: line ${e.line} is past the end of ${file} (${n} lines)`);
  assert.ok(typeof e.why === 'string' && e.why.length > 10, `${where}: a one-sentence why`);
}

describe('lint corpus', () => {
  test('holds at least 25 labelled files', () => {
    assert.ok(corpusFiles().length >= 25, `only ${corpusFiles().length} files`);
  });

  test('every file is labelled and every label names a file', () => {
    const files = corpusFiles();
    const labelled = Object.keys(labels.files).sort();
    assert.deepEqual(
      files.filter((f) => !(f in labels.files)),
      [],
      'files without labels',
    );
    assert.deepEqual(
      labelled.filter((f) => !existsSync(join(root, f))),
      [],
      'labels without files',
    );
  });

  test('each file sits at <kind>/<short-name>/<file> under its labelled kind', () => {
    for (const [file, label] of Object.entries(labels.files)) {
      const parts = file.split('/');
      assert.equal(parts.length, 3, `${file}: <kind>/<short-name>/<original file name>`);
      assert.equal(parts[0], label.kind, `${file}: directory is its kind`);
    }
  });

  test('file labels: kind, verdict, context, rules, severities, lines', () => {
    for (const [file, label] of Object.entries(labels.files)) {
      assert.ok(KINDS.has(label.kind), `${file}: kind ${label.kind}`);
      assert.ok(Array.isArray(label.expected), `${file}: expected is a list`);
      if (label.context !== undefined) {
        assert.equal(label.kind, 'nginx', `${file}: context is for nginx fragments`);
        assert.ok(CONTEXTS.has(label.context), `${file}: context ${label.context}`);
      }
      label.expected.forEach((e, i) => {
        checkExpected(`${file} expected[${i}]`, e, file);
        assert.equal(e.file, undefined, `${file} expected[${i}]: file is for group findings`);
        const prefix = e.rule.split('/')[0];
        assert.notEqual(prefix, 'cross', `${file}: cross-file findings belong to a group`);
      });
      const errors = label.expected.filter((e) => e.severity === 'error').length;
      if (label.verdict === 'correct') {
        assert.equal(label.expected.length, 0, `${file}: correct means no finding`);
      } else if (label.verdict === 'wrong') {
        assert.ok(errors > 0, `${file}: wrong means at least one expected error`);
      } else if (label.verdict === 'mixed') {
        assert.ok(label.expected.length > 0 && errors === 0, `${file}: mixed means warnings only`);
      } else {
        assert.fail(`${file}: verdict ${label.verdict}`);
      }
    }
  });

  test('each expected finding is listed once', () => {
    for (const [file, label] of Object.entries(labels.files)) {
      const keys = label.expected.map((e) => `${e.rule}@${e.line}`);
      assert.equal(new Set(keys).size, keys.length, `${file}: duplicate expected finding`);
    }
  });

  test('groups: labelled member files, chain within the group, cross findings in range', () => {
    assert.ok(Array.isArray(labels.groups));
    const names = labels.groups.map((g) => g.name);
    assert.equal(new Set(names).size, names.length, 'group names are unique');
    for (const g of labels.groups) {
      assert.ok(g.files.length >= 2, `${g.name}: a group has at least two files`);
      for (const f of g.files) assert.ok(f in labels.files, `${g.name}: ${f} is labelled`);
      assert.ok(g.chain.length >= 2, `${g.name}: chain from edge to app`);
      for (const f of g.chain) assert.ok(g.files.includes(f), `${g.name}: chain file ${f}`);
      const repos = new Set(
        sourceRows()
          .filter((r) => g.files.includes(r.file))
          .map((r) => r.repo),
      );
      assert.equal(repos.size, 1, `${g.name}: files of one repository`);
      g.expected.forEach((e, i) => {
        assert.ok(e.file && g.files.includes(e.file), `${g.name} expected[${i}]: file in group`);
        checkExpected(`${g.name} expected[${i}]`, e, e.file!);
      });
    }
  });

  test('SOURCES.md lists every file once, with repo, path, commit and licence', () => {
    const rows = sourceRows();
    const files = corpusFiles();
    assert.deepEqual(rows.map((r) => r.file).sort(), files, 'one row per corpus file');
    for (const r of rows) {
      assert.match(r.repo, /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, `${r.file}: repo owner/name`);
      assert.ok(r.path.length > 0, `${r.file}: path`);
      assert.match(r.commit, /^[0-9a-f]{40}$/, `${r.file}: commit`);
      assert.ok(r.licence.length > 0, `${r.file}: licence`);
      assert.ok(r.note.length > 0, `${r.file}: note`);
      const base = r.file.split('/').pop();
      assert.equal(base, r.path.split('/').pop(), `${r.file}: keeps its original name`);
    }
  });

  test('LICENSES/ holds a notice for every repository, and the Apache text when used', () => {
    const rows = sourceRows();
    for (const repo of new Set(rows.map((r) => r.repo))) {
      const notice = join(root, 'LICENSES', `${repo.replace('/', '__')}.txt`);
      assert.ok(existsSync(notice), `LICENSES/ notice for ${repo}`);
    }
    if (rows.some((r) => r.licence.startsWith('Apache-2.0'))) {
      const text = readFileSync(join(root, 'LICENSES', 'Apache-2.0.txt'), 'utf8');
      assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
    }
  });
});
