/**
 * Every rule's bad examples are found and its good examples are not (nginx-lint style), and
 * the two field reports are each caught by a named rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintText } from '../../src/lint/engine.js';
import { RULES } from '../../src/lint/registry.js';

describe('lint rules: each rule runs its examples', () => {
  for (const rule of RULES) {
    test(`${rule.id}: bad examples found, good ones not`, () => {
      assert.ok(
        rule.examples.bad.length > 0 && rule.examples.good.length > 0,
        'a rule needs bad and good examples',
      );
      for (const ex of rule.examples.bad) {
        const kind =
          'kind' in ex
            ? (ex.kind as 'nginx' | 'ingress-nginx')
            : (rule.kind as 'nginx' | 'ingress-nginx');
        const r = lintText(ex.text, kind, {
          ...(ex.name ? { name: ex.name } : {}),
          ...(ex.context ? { context: ex.context } : {}),
        });
        const hits = r.findings.filter((f) => f.rule === rule.id);
        assert.ok(
          hits.length > 0,
          `bad example not found:\n${ex.text}\ngot: ${JSON.stringify(r.findings, null, 1)}`,
        );
        for (const h of hits) {
          assert.equal(h.severity, rule.severity);
          assert.ok(h.line >= 1 && h.column >= 1);
          assert.ok(h.fix.length > 10);
        }
      }
      for (const ex of rule.examples.good) {
        const kind =
          'kind' in ex
            ? (ex.kind as 'nginx' | 'ingress-nginx')
            : (rule.kind as 'nginx' | 'ingress-nginx');
        const r = lintText(ex.text, kind, {
          ...(ex.name ? { name: ex.name } : {}),
          ...(ex.context ? { context: ex.context } : {}),
        });
        assert.deepEqual(
          r.findings.filter((f) => f.rule === rule.id),
          [],
          `good example flagged:\n${ex.text}`,
        );
      }
    });
  }

  test('rule ids are unique and name their kind', () => {
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
