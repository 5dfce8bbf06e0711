/**
 * Precision and recall of the rules against the hand-labelled corpus (test/lint/corpus,
 * labels committed before the rules). A finding matches a label with the same file, rule
 * and line. Goals (issue 20): recall >= 90% of labelled errors and warnings, and no error
 * on a file labelled correct. The figures printed here are the ones in docs/lint.md.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lint } from '../../src/lint/engine.js';
import { HANDLERS } from '../../src/lint/registry.js';
import type { LintKind } from '../../src/lint/types.js';

const ROOT = fileURLToPath(new URL('./corpus/', import.meta.url));

interface Label {
  kind: string;
  verdict: 'correct' | 'wrong' | 'mixed';
  context?: 'http' | 'server' | 'location';
  expected: { rule: string; severity: string; line: number }[];
}

/** A corpus kind as lint's kind (the corpus names the app servers one by one). */
export const lintKind = (k: string): LintKind =>
  (['gunicorn', 'uvicorn', 'uwsgi'].includes(k) ? 'appserver' : k) as LintKind;

/** Figures of one kind (or of all). */
export interface Figures {
  files: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  misses: string[];
  extras: string[];
  errorsOnCorrect: string[];
}

/**
 * The corpus measured per kind of file, for every kind lint reads (a kind with no handler
 * yet is left out): true and false positives, misses, and errors on correct files.
 */
export function measure(): Map<LintKind, Figures> {
  const labels = JSON.parse(readFileSync(join(ROOT, 'labels.json'), 'utf8')).files as Record<
    string,
    Label
  >;
  const handled = new Set<string>(HANDLERS.map((h) => h.kind));
  const out = new Map<LintKind, Figures>();
  for (const [file, l] of Object.entries(labels)) {
    const kind = lintKind(l.kind);
    if (!handled.has(kind)) continue;
    let m = out.get(kind);
    if (!m) {
      m = {
        files: 0,
        tp: 0,
        fp: 0,
        fn: 0,
        precision: 1,
        recall: 1,
        misses: [],
        extras: [],
        errorsOnCorrect: [],
      };
      out.set(kind, m);
    }
    m.files++;
    const r = lint([join(ROOT, file)], {
      kind,
      ...(l.context ? { context: l.context } : {}),
    });
    const got = r.results.flatMap((x) => x.findings).filter((f) => f.severity !== 'info');
    const open = [...l.expected];
    for (const g of got) {
      if (l.verdict === 'correct' && g.severity === 'error')
        m.errorsOnCorrect.push(`${file}:${g.line} ${g.rule}`);
      const i = open.findIndex((e) => e.rule === g.rule && e.line === g.line);
      if (i >= 0) {
        m.tp++;
        open.splice(i, 1);
      } else {
        m.fp++;
        m.extras.push(`${file}:${g.line} ${g.rule}`);
      }
    }
    m.fn += open.length;
    m.misses.push(...open.map((e) => `${file}:${e.line} ${e.rule}`));
  }
  for (const m of out.values()) {
    m.precision = m.tp + m.fp === 0 ? 1 : m.tp / (m.tp + m.fp);
    m.recall = m.tp + m.fn === 0 ? 1 : m.tp / (m.tp + m.fn);
  }
  return out;
}

interface Group {
  name: string;
  files: string[];
  chain: string[];
  expected: { rule: string; severity: string; file: string; line: number }[];
}

/**
 * The groups measured: each group's files linted with its labelled chain (declared, as
 * `--chain`), when lint reads every file of the chain; the cross-file findings against the
 * group's labels (file, rule and line).
 */
export function measureGroups(): Figures & { groups: number } {
  const all = JSON.parse(readFileSync(join(ROOT, 'labels.json'), 'utf8')) as {
    files: Record<string, Label>;
    groups: Group[];
  };
  const handled = new Set<string>(HANDLERS.map((h) => h.kind));
  const m = {
    groups: 0,
    files: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    precision: 1,
    recall: 1,
    misses: [] as string[],
    extras: [] as string[],
    errorsOnCorrect: [] as string[],
  };
  for (const g of all.groups) {
    if (!g.chain.every((f) => handled.has(lintKind(all.files[f]!.kind)))) continue;
    m.groups++;
    m.files += g.files.length;
    const abs = (f: string) => join(ROOT, f);
    const r = lint(g.files.map(abs), { chains: [g.chain.map(abs)] });
    const got = r.results
      .flatMap((x) => x.findings)
      .filter((f) => f.rule.startsWith('cross/') && f.severity !== 'info');
    const open = [...g.expected];
    for (const f of got) {
      const i = open.findIndex(
        (e) => e.rule === f.rule && abs(e.file) === f.file && e.line === f.line,
      );
      if (i >= 0) {
        m.tp++;
        open.splice(i, 1);
      } else {
        m.fp++;
        m.extras.push(`${g.name}: ${f.file}:${f.line} ${f.rule}`);
      }
    }
    m.fn += open.length;
    m.misses.push(...open.map((e) => `${g.name}: ${e.file}:${e.line} ${e.rule}`));
  }
  m.precision = m.tp + m.fp === 0 ? 1 : m.tp / (m.tp + m.fp);
  m.recall = m.tp + m.fn === 0 ? 1 : m.tp / (m.tp + m.fn);
  return m;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

test('corpus: per kind, recall >= 90%, no error on a file labelled correct', () => {
  const all = measure();
  for (const [kind, m] of all) {
    process.stdout.write(
      `# corpus ${kind}: ${m.files} files, ${m.tp + m.fn} labelled findings; tp ${m.tp}, fp ${m.fp}, fn ${m.fn}; precision ${pct(m.precision)}, recall ${pct(m.recall)}\n`,
    );
    assert.ok(m.recall >= 0.9, `${kind}: recall ${m.recall}; missed: ${m.misses.join(', ')}`);
    assert.deepEqual(m.errorsOnCorrect, [], kind);
    assert.ok(
      m.precision >= 0.9,
      `${kind}: precision ${m.precision}; extra: ${m.extras.join(', ')}`,
    );
  }
  const nginx = (all.get('nginx')?.files ?? 0) + (all.get('ingress-nginx')?.files ?? 0);
  assert.ok(nginx >= 25, `only ${nginx} nginx and ingress-nginx files`);
});

test('corpus groups: the cross-file rules on each labelled deployment', () => {
  const m = measureGroups();
  process.stdout.write(
    `# corpus cross: ${m.groups} groups, ${m.tp + m.fn} labelled findings; tp ${m.tp}, fp ${m.fp}, fn ${m.fn}; precision ${pct(m.precision)}, recall ${pct(m.recall)}\n`,
  );
  assert.ok(
    m.groups >= 5,
    `only ${m.groups} groups measured (every file kind of a chain must be read)`,
  );
  assert.ok(m.recall >= 0.9, `recall ${m.recall}; missed: ${m.misses.join(', ')}`);
  assert.ok(m.precision >= 0.9, `precision ${m.precision}; extra: ${m.extras.join(', ')}`);
});
