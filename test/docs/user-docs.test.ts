/**
 * Docs speak to users: no session history in any Markdown file; the HTTP layer's, the PROXY
 * codec's and lint's docs keep one cost table and the command that reproduces it (the
 * measurement history lives in bench/README.md); README's feature table keeps cost cells
 * short.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

test('no "N-th session" wording in any Markdown file', () => {
  const files = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const re =
    /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|previous|next|this) session\b/i;
  for (const f of files) {
    const bad = read(f)
      .split('\n')
      .findIndex((l) => re.test(l));
    assert.equal(bad, -1, `${f}:${bad + 1}`);
  }
});

test('docs/http-layer.md: one cost table and the command that reproduces it; history in bench/README.md', () => {
  const doc = read('docs/http-layer.md');
  const cost = doc.slice(doc.indexOf('## Cost'));
  assert.equal((cost.match(/^\| --- \|/gm) ?? []).length, 1, 'one table');
  assert.match(cost, /npm run bench -- http/);
  assert.doesNotMatch(doc, /traps in measuring|### Measured/i);
  const bench = read('bench/README.md');
  assert.match(bench, /### Two traps in measuring it/);
  assert.match(bench, /## The HTTP layer/);
});

/** The section of `doc` from `heading` to the next `## ` heading. */
function section(doc: string, heading: string): string {
  const at = doc.indexOf(`${heading}\n`);
  assert.ok(at >= 0, heading);
  const next = doc.indexOf('\n## ', at + heading.length);
  return doc.slice(at, next < 0 ? undefined : next);
}

for (const [file, heading, command, historyHeading] of [
  [
    'docs/proxy-protocol.md',
    '## Performance',
    /npm run bench -- proxy-protocol/,
    '## PROXY protocol',
  ],
  ['docs/lint.md', '## Cost', /npm run bench -- lint/, '## Lint (nginx)'],
] as const) {
  test(`${file}: one cost table and the command that reproduces it; history in bench/README.md`, () => {
    const cost = section(read(file), heading);
    assert.equal((cost.match(/^\| --- \|/gm) ?? []).length, 1, 'one table');
    assert.match(cost, command);
    // no run-by-run figures: those are bench/README.md's
    assert.doesNotMatch(cost, /\b(four|five|six) runs\b|\bruns on an idle machine gave\b/i);
    assert.ok(section(read('bench/README.md'), historyHeading).length > 200);
  });
}

test("README's feature table: cost cells are one figure and a link", () => {
  const rows = read('README.md')
    .split('\n')
    .filter((l) => /^\| .* \| done; /.test(l));
  assert.ok(rows.length >= 2);
  for (const r of rows) {
    const cell = r.slice(r.lastIndexOf(' | done; ') + 3);
    assert.ok(cell.length <= 120, `${cell.length} characters: ${cell}`);
    assert.match(cell, /\]\([^)]+\)/);
  }
});
