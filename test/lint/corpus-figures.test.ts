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

const ROOT = fileURLToPath(new URL('./corpus/', import.meta.url));

interface Label {
  kind: string;
  verdict: 'correct' | 'wrong' | 'mixed';
  context?: 'http' | 'server' | 'location';
  expected: { rule: string; severity: string; line: number }[];
}

/** The corpus measured: true and false positives, misses, and errors on correct files. */
export function measure() {
  const labels = JSON.parse(readFileSync(join(ROOT, 'labels.json'), 'utf8')).files as Record<
    string,
    Label
  >;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: string[] = [];
  const extras: string[] = [];
  const errorsOnCorrect: string[] = [];
  let files = 0;
  for (const [file, l] of Object.entries(labels)) {
    if (l.kind !== 'nginx' && l.kind !== 'ingress-nginx') continue;
    files++;
    const r = lint([join(ROOT, file)], {
      kind: l.kind,
      ...(l.context ? { context: l.context } : {}),
    });
    const got = r.results.flatMap((x) => x.findings).filter((f) => f.severity !== 'info');
    const open = [...l.expected];
    for (const g of got) {
      if (l.verdict === 'correct' && g.severity === 'error')
        errorsOnCorrect.push(`${file}:${g.line} ${g.rule}`);
      const i = open.findIndex((e) => e.rule === g.rule && e.line === g.line);
      if (i >= 0) {
        tp++;
        open.splice(i, 1);
      } else {
        fp++;
        extras.push(`${file}:${g.line} ${g.rule}`);
      }
    }
    fn += open.length;
    misses.push(...open.map((e) => `${file}:${e.line} ${e.rule}`));
  }
  return {
    files,
    tp,
    fp,
    fn,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    misses,
    extras,
    errorsOnCorrect,
  };
}

test('corpus: recall >= 90%, no error on a file labelled correct', () => {
  const m = measure();
  process.stdout.write(
    `# corpus: ${m.files} nginx/ingress-nginx files, ${m.tp + m.fn} labelled findings; tp ${m.tp}, fp ${m.fp}, fn ${m.fn}; precision ${(m.precision * 100).toFixed(1)}%, recall ${(m.recall * 100).toFixed(1)}%\n`,
  );
  assert.ok(m.files >= 25, `only ${m.files} files`);
  assert.ok(m.recall >= 0.9, `recall ${m.recall}; missed: ${m.misses.join(', ')}`);
  assert.deepEqual(m.errorsOnCorrect, []);
  assert.ok(m.precision >= 0.9, `precision ${m.precision}; extra: ${m.extras.join(', ')}`);
});
