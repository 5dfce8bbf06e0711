/**
 * Every rule's bad examples are found and its good examples are not (nginx-lint style), and
 * the two field reports are each caught by a named rule.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lintText, lintTexts } from '../../src/lint/engine.js';
import { RULES } from '../../src/lint/registry.js';
import type { CrossExample, CrossRule, Rule } from '../../src/lint/rule.js';
import type { Finding, LintKind } from '../../src/lint/types.js';

type TextRule = Exclude<Rule, CrossRule>;
const textRules = RULES.filter((r): r is TextRule => r.kind !== 'cross');
const crossRules = RULES.filter((r): r is CrossRule => r.kind === 'cross');

/** Lint one text example of a rule, as its own kind or the kind it declares. */
function run(rule: TextRule, ex: TextRule['examples']['bad'][number]) {
  const kind: LintKind = 'kind' in ex ? ex.kind : (rule.kind as LintKind);
  return lintText(ex.text, kind, {
    ...(ex.name ? { name: ex.name } : {}),
    ...(ex.context ? { context: ex.context } : {}),
  }).findings;
}

/** Lint a cross-file example: its files as one deployment, with its chain if declared. */
const runCross = (ex: CrossExample) =>
  lintTexts(ex.files, ex.chain ? { chains: [ex.chain] } : {}).results.flatMap((r) => r.findings);

function checkExamples<R extends Rule, E>(
  rule: R,
  bad: readonly E[],
  good: readonly E[],
  lintIt: (e: E) => readonly Finding[],
) {
  assert.ok(bad.length > 0 && good.length > 0, 'a rule needs bad and good examples');
  for (const ex of bad) {
    const hits = lintIt(ex).filter((f) => f.rule === rule.id);
    assert.ok(hits.length > 0, `bad example not found:\n${JSON.stringify(ex, null, 1)}`);
    for (const h of hits) {
      assert.equal(h.severity, rule.severity);
      assert.ok(h.line >= 1 && h.column >= 1);
      assert.ok(h.fix.length > 10);
    }
  }
  for (const ex of good)
    assert.deepEqual(
      lintIt(ex).filter((f) => f.rule === rule.id),
      [],
      `good example flagged:\n${JSON.stringify(ex, null, 1)}`,
    );
}

describe('lint rules: each rule runs its examples', () => {
  for (const rule of textRules)
    test(`${rule.id}: bad examples found, good ones not`, () =>
      checkExamples(rule, rule.examples.bad, rule.examples.good, (ex) => run(rule, ex)));
  for (const rule of crossRules)
    test(`${rule.id}: bad deployments found, good ones not`, () =>
      checkExamples(rule, rule.examples.bad, rule.examples.good, runCross));

  test('rule ids are unique and name their family', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of RULES) assert.ok(r.id.startsWith(`${r.kind}/`), r.id);
  });
});

describe('the two field reports', () => {
  test('the ingress https,https snippet: ingress-nginx/snippet-duplicate-header, at the snippet line', () => {
    const yaml = [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata:',
      '  name: shop',
      '  annotations:',
      '    nginx.ingress.kubernetes.io/configuration-snippet: |',
      '      proxy_set_header X-Tenant acme;',
      '      proxy_set_header X-Forwarded-Proto https;',
      'spec: {}',
    ].join('\n');
    const r = lintText(yaml, 'ingress-nginx', { name: 'ingress.yaml' });
    const f = r.findings.find((x) => x.rule === 'ingress-nginx/snippet-duplicate-header');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.line, 8);
    assert.equal(f.column, 7);
    assert.equal(f.severity, 'error');
    assert.match(f.message, /X-Forwarded-Proto twice/);
  });

  test('the port-80 X-Forwarded-Protocol pass-through: nginx/scheme-header-only-in-tls', () => {
    const conf = [
      'server {',
      '    listen 443 ssl;',
      '    server_name shop.example;',
      '    location / {',
      '        proxy_set_header X-Forwarded-Protocol https;',
      '        proxy_pass http://127.0.0.1:8000;',
      '    }',
      '}',
      'server {',
      '    listen 80;',
      '    server_name shop.example;',
      '    location / {',
      '        proxy_pass http://127.0.0.1:8000;',
      '    }',
      '}',
    ].join('\n');
    const r = lintText(conf, 'nginx');
    const f = r.findings.find((x) => x.rule === 'nginx/scheme-header-only-in-tls');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(f.line, 13);
    assert.equal(f.severity, 'error');
    assert.deepEqual(f.evidence, [
      'example.conf:5: proxy_set_header X-Forwarded-Protocol https;',
      'example.conf:13: proxy_pass http://127.0.0.1:8000;',
    ]);
  });
});

describe('every rule is documented', () => {
  test('docs/lint.md has a section for each rule id, with its severity', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/lint.md'), 'utf8');
    const missing = RULES.filter((r) => !doc.includes(`### \`${r.id}\` (${r.severity})`)).map(
      (r) => r.id,
    );
    assert.deepEqual(missing, []);
  });
});
