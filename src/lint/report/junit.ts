/**
 * The JUnit XML report: one `<testsuite>` per input, one `<testcase>` per rule that ran on
 * it; findings at or above `--fail-on` are `<failure>`s, the others `<system-out>`.
 */
import { xmlEscape } from '../../audit/report/junit.js';
import { RULES } from '../registry.js';
import { atLeast, type LintReport } from '../types.js';

/** The JUnit XML document. */
export function renderLintJunit(report: LintReport): string {
  let tests = 0;
  let failures = 0;
  const suites = report.results.map((r) => {
    const rules = RULES.filter((x) => x.kind === r.kind || x.kind === 'lint');
    let suiteFailures = 0;
    const cases = rules.map((rule) => {
      const fs = r.findings.filter((f) => f.rule === rule.id);
      const failing = fs.filter((f) => atLeast(f.severity, report.failOn));
      const body = fs
        .map(
          (f) =>
            `${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}\n${f.evidence.map((e) => `  ${e}`).join('\n')}\nfix: ${f.fix}`,
        )
        .join('\n\n');
      const open = `    <testcase name="${xmlEscape(rule.id)}" classname="${xmlEscape(`proxytrust.lint.${r.path}`)}" time="0"`;
      if (failing.length > 0) {
        suiteFailures++;
        return `${open}>\n      <failure message="${xmlEscape(`${failing.length} finding(s): ${failing[0]!.message}`)}" type="${failing[0]!.severity}">${xmlEscape(body)}</failure>\n    </testcase>`;
      }
      if (fs.length > 0)
        return `${open}>\n      <system-out>${xmlEscape(body)}</system-out>\n    </testcase>`;
      return `${open}/>`;
    });
    tests += rules.length;
    failures += suiteFailures;
    return [
      `  <testsuite name="${xmlEscape(r.path)}" tests="${rules.length}" failures="${suiteFailures}" errors="0" skipped="0" time="0">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="proxytrust lint" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
