/**
 * Reporters: JSON follows the documented shape; JUnit is well-formed XML with the right
 * structure and counts (strict structural check); SARIF validates against the vendored
 * OASIS SARIF 2.1.0 schema; text is a table, coloured only when asked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import fc from 'fast-check';
import { renderJson } from '../../src/audit/report/json.js';
import { renderJunit, xmlEscape } from '../../src/audit/report/junit.js';
import { toSarif } from '../../src/audit/report/sarif.js';
import { renderText } from '../../src/audit/report/text.js';
import { auditFleet } from '../../src/audit/run.js';
import { type AuditReport, CHECK_IDS, exitCodeFor } from '../../src/audit/types.js';
import { serveApp } from './servers.js';

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** A strict little XML parser: elements, attributes, text, the five entities; throws on anything else. */
function parseXml(xml: string): XmlNode {
  let i = 0;
  const fail = (m: string) => {
    throw new Error(`XML: ${m} at ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const decode = (t: string) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(t))
      fail(`bad entity in ${JSON.stringify(t.slice(0, 40))}`);
    if (/[<]/.test(t)) fail('raw < in text');
    return t
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  };
  const ws = () => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2;
  ws();
  const element = (): XmlNode => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const m = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i));
    if (!m) fail('bad name');
    const name = m![0];
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      ws();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const a = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(xml.slice(i));
      if (!a) fail('bad attribute');
      if (a![1]! in attrs) fail('duplicate attribute');
      attrs[a![1]!] = decode(a![2]!);
      i += a![0].length;
    }
    const children: XmlNode[] = [];
    let text = '';
    for (;;) {
      if (xml.startsWith(`</${name}>`, i)) {
        i += name.length + 3;
        return { name, attrs, children, text };
      }
      if (xml.startsWith('</', i)) fail(`mismatched close for ${name}`);
      if (xml[i] === '<') children.push(element());
      else {
        const next = xml.indexOf('<', i);
        if (next < 0) fail('unterminated');
        text += decode(xml.slice(i, next));
        i = next;
      }
    }
  };
  const root = element();
  ws();
  if (i !== xml.length) fail('trailing content');
  return root;
}

let report: AuditReport;
before(async () => {
  const right = await serveApp();
  const naive = await serveApp({ mode: 'naive' });
  try {
    const { probeSecret: _p, ...noProbe } = right.options;
    report = await auditFleet([
      right.options,
      naive.options,
      noProbe,
      { url: 'https://127.0.0.1:1/', timeoutMs: 500 },
    ]);
  } finally {
    await right.stop();
    await naive.stop();
  }
});

describe('reports', () => {
  test('the report document: schema, totals, statuses and exit code', () => {
    assert.equal(report.schema, 'proxytrust-audit/1');
    assert.equal(report.targets.length, 4);
    const doc = JSON.parse(renderJson(report)) as AuditReport;
    assert.deepEqual(doc, JSON.parse(JSON.stringify(report)));
    for (const t of doc.targets) {
      assert.equal(t.results.length, CHECK_IDS.length);
      for (const r of t.results) {
        assert.ok(CHECK_IDS.includes(r.id));
        assert.ok(['pass', 'fail', 'warn', 'skip', 'error'].includes(r.status));
        assert.ok(['critical', 'high', 'medium', 'low'].includes(r.severity));
        assert.equal(typeof r.summary, 'string');
        assert.ok(Array.isArray(r.evidence));
        if (r.status === 'skip' || r.status === 'error') assert.ok(r.reason);
        if (r.status === 'fail') assert.ok(r.fix);
      }
    }
    const totals = doc.targets.flatMap((t) => t.results).filter((r) => r.status === 'fail').length;
    assert.equal(doc.summary.fail, totals);
    assert.equal(doc.summary.unreachable, 1);
    assert.equal(doc.targets[3]!.reachable, false);
    assert.equal(exitCodeFor(report), 1);
    assert.equal(exitCodeFor({ ...report, targets: [report.targets[0]!] }), 0);
    assert.equal(exitCodeFor({ ...report, targets: [report.targets[0]!, report.targets[3]!] }), 3);
  });

  test('JUnit: well-formed, one suite per target, one case per check, counts agree', () => {
    const root = parseXml(renderJunit(report));
    assert.equal(root.name, 'testsuites');
    assert.equal(root.children.length, 4);
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const [k, suite] of root.children.entries()) {
      const t = report.targets[k]!;
      assert.equal(suite.name, 'testsuite');
      assert.equal(suite.attrs.name, t.url);
      assert.match(suite.attrs.time ?? '', /^\d+\.\d{3}$/);
      const cases = suite.children.filter((c) => c.name === 'testcase');
      assert.equal(Number(suite.attrs.tests), cases.length);
      assert.deepEqual(
        cases.map((c) => c.attrs.name),
        t.results.map((r) => r.id),
      );
      const count = (n: string) => cases.filter((c) => c.children.some((x) => x.name === n)).length;
      assert.equal(Number(suite.attrs.failures), count('failure'));
      assert.equal(Number(suite.attrs.errors), count('error'));
      assert.equal(Number(suite.attrs.skipped), count('skipped'));
      for (const c of cases) {
        assert.ok(c.children.length <= 1);
        assert.ok(c.attrs.classname?.startsWith('proxytrust.audit.'));
      }
      failures += count('failure');
      errors += count('error');
      skipped += count('skipped');
    }
    assert.equal(Number(root.attrs.failures), failures);
    assert.equal(Number(root.attrs.errors), errors);
    assert.equal(Number(root.attrs.skipped), skipped);
    assert.ok(failures > 0 && errors > 0 && skipped > 0);
  });

  test('property: xmlEscape output always parses back to the input (less XML-illegal characters)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const node = parseXml(`<a b="${xmlEscape(s)}">${xmlEscape(s)}</a>`);
        const legal = s.replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]/g, '');
        assert.equal(node.text, legal);
        assert.equal(node.attrs.b, legal);
      }),
    );
  });

  test('SARIF: valid against the OASIS SARIF 2.1.0 schema, one result per check and target', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
    );
    // CommonJS packages: the class and the plugin are on `.default` under NodeNext.
    const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
    const addFormats =
      (formatsModule as unknown as { default: typeof formatsModule }).default ?? formatsModule;
    const ajv = new (Ajv as unknown as new (o: object) => import('ajv').default)({
      allErrors: true,
      strict: false,
    });
    (addFormats as unknown as (a: unknown) => void)(ajv);
    const validate = ajv.compile(schema);
    const log = toSarif(report);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const run = log.runs[0]!;
    assert.equal(run.results.length, report.targets.length * CHECK_IDS.length);
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      [...CHECK_IDS],
    );
    for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
    assert.ok(run.results.some((r) => r.kind === 'fail' && r.level === 'error'));
    assert.ok(run.results.some((r) => r.kind === 'open'));
    assert.ok(run.results.some((r) => r.kind === 'notApplicable'));
    assert.equal(run.invocations[0]!.executionSuccessful, false);
    // and a broken log is rejected (the validator is not vacuous)
    assert.equal(validate({ ...log, version: '2.0.0' }), false);
    assert.equal(
      validate({ ...log, runs: [{ ...run, results: [{ ...run.results[0], kind: 'bogus' }] }] }),
      false,
    );
  });

  test('text: a table, fixes under it, colour only when asked, fleet summary', () => {
    const plain = renderText(report);
    assert.ok(!plain.includes('\u001b['));
    assert.match(plain, /STATUS\s+CHECK\s+SEVERITY\s+SUMMARY/);
    assert.match(plain, /FAIL\s+ip-spoof\s+high/);
    assert.match(plain, /fix: /);
    assert.match(plain, /UNREACHABLE/);
    // targets and checks are counted apart (issue 22): verdicts per target, then check totals
    assert.match(plain, /Fleet: 4 targets: 2 OK, 1 FAIL, 1 UNREACHABLE/);
    assert.match(plain, /Checks over all targets: \d+ passed/);
    const coloured = renderText(report, { color: true });
    assert.ok(coloured.includes('\u001b[31m'));
  });
});
